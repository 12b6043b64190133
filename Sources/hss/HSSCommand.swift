import ArgumentParser

@main
struct HSSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hss",
        abstract: "An IMS Home Subscriber Server (Diameter Cx, TS 29.228/29.229).",
        discussion: """
            The server itself arrives with the peer-layer and Cx work; today `hss decode` inspects Diameter \
            messages with the same codec the server uses.
            """,
        subcommands: [DecodeCommand.self])
}
