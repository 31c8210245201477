import ArgumentParser
import Foundation
import SlipwayClient
import SlipwayCore

struct Cron: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scheduled jobs (`cron:` in slipway.yaml): list them, see their runs, run one now.",
        discussion: "Their output is in `slipway logs APP --process cron.NAME`; a failed run is an event.",
        subcommands: [List.self, Runs.self, RunNow.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List an app's jobs: schedule, last run, exit code, duration, next run (the default).")
        @OptionGroup var target: AppArgument
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let list = try await global.withClient { try await $0.cronJobs(app: name) }
            if global.json { try Output.json(list) } else { Output.line(Reports.cronJobs(list, app: name.value)) }
        }
    }

    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a job's recent runs, newest first.")
        @OptionGroup var target: AppArgument
        @Argument(help: "The job's name (a key under `cron:`).") var job: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let list = try await global.withClient { try await $0.cronRuns(app: name, job: job) }
            if global.json { try Output.json(list) } else { Output.line(Reports.cronRuns(list)) }
        }
    }

    struct RunNow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Run a job now, once, beside its schedule (refused while one runs under `concurrency: forbid`).")
        @OptionGroup var target: AppArgument
        @Argument(help: "The job's name (a key under `cron:`).") var job: String
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let name = try target.name
            let run = try await global.withClient { try await $0.runCronJob(app: name, job: job) }
            if global.json { try Output.json(run); return }
            Output.line("started run \(run.id) of \(job) (release v\(run.release)); output: slipway logs \(name) --process cron.\(job)")
        }
    }
}
