import ArgumentParser

@main
struct HSSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hss",
        abstract: "An IMS Home Subscriber Server (Diameter Cx, TS 29.228/29.229).",
        discussion: """
            `hss serve` answers Cx requests (UAR, SAR, LIR, MAR) for the subscribers of a file and sends RTR/PPR \
            to the S-CSCF. `hss decode` inspects Diameter messages with the codec the server uses.
            """,
        subcommands: [ServeCommand.self, SubscriberCommand.self, DeregisterCommand.self, DatabaseCommand.self, ClusterCommand.self, ConfigCommand.self, DecodeCommand.self])
}
