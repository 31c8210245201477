import Foundation
import SlipwayCore
import SlipwaySource
import SlipwayStore

/// A repository cannot take over another app (issue 14). The `config` stage checks the app names
/// a source tree gives before anything is built:
/// - a deploy for a named app (`POST /v1/apps/{app}/deploys`) refuses a `slipway.yaml` `name:` or
///   a `config.json` application naming another app;
/// - RAD's `/trigger` names apps from the repository, but only apps that repository created (the
///   app's first release came from it) or new ones.
enum AppOwnership {
    static func check(_ apps: [AppConfigLoader.LoadedApp], deploy: QueuedDeploy, store: SlipwayStore) throws {
        if deploy.appExplicit {
            for app in apps {
                // config.json's names become the apps' names; slipway.yaml's `name:` stays in the spec.
                let (named, field) = app.name != deploy.app ? (app.name, "config.json's application_name")
                    : (app.spec.name ?? deploy.app, "slipway.yaml's `name:`")
                // A preview (`shop-pr-3`) deploys the repository of its parent, whose manifest names the parent.
                let parent = named == deploy.app ? nil : try store.preview(deploy.app)?.parent
                guard named == deploy.app || named == parent else {
                    throw SlipwayError.invalidManifest(
                        "\(field) names the app \(named), but this deploy is for \(deploy.app): a repository deploys only the app it was sent to. Make the name \(deploy.app) (or remove `name:`), or deploy to \(named)")
                }
            }
            return
        }
        let repository = deploy.source.url ?? ""
        for app in apps {
            // Releases are listed newest first: the last one is the app's first.
            guard let first = try store.releases(of: app.name).last else { continue }
            let createdHere = first.source.kind == .git && RepositoryIdentity.same(first.source.url ?? "", repository)
            guard createdHere else {
                throw SlipwayError.conflict(
                    "the repository names the app \(app.name), which exists and was not created from this repository; /trigger deploys only apps its repository created or new ones. Deploy \(app.name) with POST /v1/apps/\(app.name)/deploys, or rename the app in the repository")
            }
        }
    }
}
