extension ClusterConfig.ModelSettings {
    /// The default text ensembles: breast-ultrasound prompt templates, state words, and
    /// descriptions of each class's anatomy and abnormality (docs/METHOD.md, "Frozen inputs").
    public enum DefaultText {
        public static let classes = ["normal", "benign", "malignant"]

        /// Each reads with a state adjective ("normal") or noun ("lesion").
        public static let promptTemplates = [
            "a {} breast ultrasound image",
            "{} breast ultrasound",
            "a b-mode ultrasound scan of the breast, {}",
            "a grayscale breast sonogram, {}",
            "breast ultrasound: {}",
        ]

        public static let normalStates = [
            "normal", "healthy", "unremarkable", "lesion-free", "homogeneous", "intact",
        ]

        public static let abnormalStates = [
            "lesion", "tumor", "mass", "nodule", "abnormal", "hypoechoic lesion", "suspicious mass",
        ]

        public static let classDescriptions: [String: [String]] = [
            "normal": [
                "layered skin, subcutaneous fat, fibroglandular tissue and pectoral muscle",
                "homogeneous fibroglandular parenchyma without a focal mass",
                "intact tissue planes with no discrete lesion or acoustic shadowing",
                "regular echotexture of fat lobules and glandular tissue",
            ],
            "benign": [
                "oval circumscribed hypoechoic mass parallel to the skin",
                "well-defined smooth-margined lesion wider than tall",
                "hypoechoic mass with posterior acoustic enhancement",
                "round anechoic cyst with a thin echogenic wall",
            ],
            "malignant": [
                "irregular spiculated mass with posterior acoustic shadowing",
                "hypoechoic mass with angular indistinct margins, taller than wide",
                "non-parallel lesion with an echogenic halo disrupting the tissue planes",
                "heterogeneous solid mass with microlobulated margins",
            ],
        ]
    }
}
