/// `root` joined with `relative` by one slash; an absolute `relative` is itself. Dataset
/// layouts and manifests name files relative to their folder.
package func joinPath(_ root: String, _ relative: String) -> String {
    if relative.hasPrefix("/") { return relative }
    return root.hasSuffix("/") ? root + relative : root + "/" + relative
}
