import Foundation
import SlipwayCore
import SlipwaySecrets

/// Secret config values never reach the database in the clear: releases and queued changes are
/// written with those values sealed (AES-GCM, see SlipwaySecrets) and opened when read back.
/// The context of each value (app and key) is authenticated with it.
extension SlipwayStore {
    func encodeRelease(_ release: Release) throws -> String {
        var sealed = release
        for key in release.secretKeys ?? [] {
            guard let value = release.config?[key], !SecretCipher.isSealed(value) else { continue }
            sealed.config?[key] = try secrets.seal(value, context: "\(release.app)/\(key)")
        }
        return try Self.encodeJSON(sealed)
    }

    func decodeRelease(_ text: String) throws -> Release {
        var release = try Self.decodeJSON(Release.self, text)
        release.config = try open(release.config, app: release.app.value)
        return release
    }

    func encodeChange(_ change: ReleaseChange, app: AppName) throws -> String {
        var sealed = change
        for (key, value) in change.setConfig ?? [:] where change.isSecret(key) {
            sealed.setConfig?[key] = try secrets.seal(value, context: "\(app)/\(key)")
        }
        return try Self.encodeJSON(sealed)
    }

    func decodeChange(_ text: String, app: String) throws -> ReleaseChange {
        var change = try Self.decodeJSON(ReleaseChange.self, text)
        change.setConfig = try open(change.setConfig, app: app)
        return change
    }

    private func open(_ config: [String: String]?, app: String) throws -> [String: String]? {
        guard var config else { return nil }
        for (key, value) in config where SecretCipher.isSealed(value) {
            do {
                config[key] = try secrets.open(value, context: "\(app)/\(key)")
            } catch {
                throw SlipwayError.internal("\(error)")
            }
        }
        return config
    }
}
