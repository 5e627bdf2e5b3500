import ArgumentParser
import Datasets
import Foundation
import Shared

struct DataCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report what each site holds, what is skipped, and where images repeat.",
        discussion: """
        Loads every site of cluster.yaml as a run would (sites[].format, sites[].table, data.mask_threshold), listing every bad file rather than stopping at the first (a run stops there unless data.skip_bad is true, which the check then says), and reports for each: the images per class, the groups (patients, or images where the dataset names none), the range of image sizes, the masks (and masks resized to their image), every skipped file with the reason, and the duplicates: exact duplicates (the same decoded pixels) and near duplicates (a perceptual hash that survives resizing, small crops and gain changes; docs/DATASETS.md gives the threshold and its measured error rates), within and across sites, with label conflicts (the same image or patient under two labels) called out.

        Every image is decoded once; its fingerprint is kept in the feature cache's folder (fewshot.cache) under the image file's digest, so a second check reads only the files' bytes. A run merges the near-duplicate groups into the patient groups before drawing shots (data.merge_duplicates), so what this command lists is what a run keeps apart.

        Examples:
          ultraad data check --config cluster.yaml
          ultraad data check --config cluster.yaml --json check.json
        """)
    @OptionGroup var file: ConfigFile
    @Option(help: "Also write the report as JSON to this file (the layout is in docs/DATASETS.md).") var json: String?

    func validate() throws { _ = try file.load() }

    func run() throws {
        let c = try file.load()
        // Every bad file is listed, not only the first: the check reads as data.skip_bad would.
        let options = Dataset.Options(skipBad: true, maskThreshold: Float(c.data.maskThreshold))
        var datasets: [Dataset] = []
        let strict = Dataset.Options(skipBad: false, maskThreshold: options.maskThreshold)
        for site in c.sites {
            let d = try Dataset.load(site, options: options)
            datasets.append(d)
            if !c.data.skipBad, !d.skipped.isEmpty {
                do { _ = try Dataset.load(site, options: strict) } catch {
                    FileHandle.standardError.write(Data("note: with data.skip_bad: false a run stops at \(error)\n".utf8))
                }
            }
        }
        let scan = try DuplicateScan.run(datasets, cache: c.fewShot.cache, progress: LineProgress(label: "fingerprints").callAsFunction)
        let report = DataCheckReport(datasets: datasets, scan: scan)
        print(report.text, terminator: "")
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
            let bytes = [UInt8](try encoder.encode(report)) + [10]
            if let failure = AtomicFile.write(bytes, to: URL(fileURLWithPath: json), durable: false) {
                throw CoordinatorError.run("\(json): cannot write: \(failure)")
            }
            print("json: \(json)")
        }
    }
}
