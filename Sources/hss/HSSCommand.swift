import ArgumentParser

@main
struct HSSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hss",
        abstract: "An IMS Home Subscriber Server (Diameter Cx, TS 29.228/29.229).",
        discussion: """
            The Diameter peer layer (TCP, TLS, SCTP) is in place as a library; `hss serve` arrives with the Cx \
            procedures of the HSS core. Today `hss decode` inspects Diameter messages with the codec the server uses.
            """,
        subcommands: [DecodeCommand.self])
}
