import ArgumentParser
import SlipwayCore

/// An app name argument, checked as a DNS label while parsing so a typo is a usage error.
struct AppArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("The app's name.", valueName: "app"))
    var app: String

    func validate() throws {
        do { _ = try DNSLabel(app) } catch { throw ValidationError(Output.message(for: error)) }
    }

    var name: AppName {
        get throws { try DNSLabel(app) }
    }
}
