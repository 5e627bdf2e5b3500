import Foundation

extension ClusterConfig {
    /// `model:` the classes, the head's constants and the text ensembles of docs/METHOD.md.
    public struct ModelSettings: Equatable, Sendable, Codable {
        /// Class names, C >= 2; the first is the normal class.
        public var classes: [String]
        /// Rank r of each patch adapter.
        public var adapterRank: Int
        /// Softmax temperature tau.
        public var temperature: Double
        /// Leaky-ReLU slope of the patch adapters.
        public var leakySlope: Double
        /// Sentence templates for the initial prompts T0; each holds one `{}` for a state word.
        public var promptTemplates: [String]
        /// State words of the normal prompt.
        public var normalStates: [String]
        /// State words of the abnormal prompt.
        public var abnormalStates: [String]
        /// Sentences about anatomy and abnormality for each class name (the rows of Pt).
        public var classDescriptions: [String: [String]]
        /// Components switched off (docs/METHOD.md, "Ablations"), in the table's order.
        public var ablate: [HeadComponent]

        public init(classes: [String] = DefaultText.classes,
                    adapterRank: Int = 128, temperature: Double = 0.07, leakySlope: Double = 0.01,
                    promptTemplates: [String] = DefaultText.promptTemplates,
                    normalStates: [String] = DefaultText.normalStates,
                    abnormalStates: [String] = DefaultText.abnormalStates,
                    classDescriptions: [String: [String]] = DefaultText.classDescriptions,
                    ablate: [HeadComponent] = []) {
            self.classes = classes; self.adapterRank = adapterRank
            self.temperature = temperature; self.leakySlope = leakySlope
            self.promptTemplates = promptTemplates
            self.normalStates = normalStates; self.abnormalStates = abnormalStates
            self.classDescriptions = classDescriptions
            self.ablate = HeadComponent.normalized(ablate)
        }

        /// Every component with parameters switched off: the zero-shot baseline, which is
        /// evaluated and never trained.
        public var isZeroShot: Bool { HeadComponent.isZeroShot(ablate) }

        /// The sentences of the normal (row 0) and abnormal (row 1) prompt: every state
        /// word in every template.
        public var statePrompts: [[String]] {
            [normalStates, abnormalStates].map { states in
                states.flatMap { state in promptTemplates.map { $0.replacingOccurrences(of: "{}", with: state) } }
            }
        }

        /// The description sentences in class order (row c of Pt).
        public var descriptionsInClassOrder: [[String]] {
            classes.map { classDescriptions[$0] ?? [] }
        }
    }
}
