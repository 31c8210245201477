import Foundation
import SlipwayCore
import SlipwaySecrets
import SlipwayStore
import Testing

/// `secrets rotate-key`'s steps (MasterKeyFiles + SlipwayStore.resealSecrets) with the store on
/// disk: a server stopped after each step finds every secret readable and completes the rotation.
/// SlipwayIntegrationTests' SecretRotationTests kill a real server with SIGKILL mid-rotation.
@Suite("Master key rotation")
struct KeyRotationTests {
    let app = try! DNSLabel("vault")

    enum Stop: CaseIterable { case afterNewKey, afterReseal, afterRename }

    /// A data directory with a key file, releases v1 and v2 holding secrets, and a queued change with one.
    func seeded() throws -> (directory: URL, database: String, files: MasterKeyFiles) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rotation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = MasterKeyFiles(file: directory.appendingPathComponent("master.key"))
        let database = directory.appendingPathComponent("slipway.sqlite").path
        let store = try SlipwayStore(path: database, secrets: SecretCipher(keyring: try files.load(environment: [:]).keyring))
        let base = Release(app: app, version: 1, traceId: "t", createdAt: Date(), source: SourceInfo(kind: .upload), services: [], defaultService: nil)
        for version in 1...2 {
            let change = ReleaseChange(setConfig: ["DB_PASSWORD": "pw-\(version)", "SIGNING": "sig-\(version)", "MODE": "plain"], secretKeys: ["SIGNING"])
            _ = try store.createRelease(app: app) { try! change.apply(to: base, version: $0, traceId: "t\(version)", createdAt: Date(), createdBy: nil) }
            try store.activate(app: app, version: version)
        }
        try store.enqueueDeploy(traceId: "q", app: app, source: SourceInfo(kind: .upload), uploadPath: nil,
                                change: ReleaseChange(setConfig: ["API_TOKEN": "queued-token"]))
        try store.setDeployCredentials("q", username: "deployer", password: "git-token-5e6f")
        return (directory, database, files)
    }

    /// Every secret as it was seeded, read through a store opened the way the server opens it.
    func expectReadable(_ store: SlipwayStore) throws {
        let releases = try store.releases(of: app)
        #expect(releases.map { $0.config?["DB_PASSWORD"] } == ["pw-2", "pw-1"])
        #expect(releases.map { $0.config?["SIGNING"] } == ["sig-2", "sig-1"])
        #expect(try store.claimNextDeploy()?.change?.setConfig?["API_TOKEN"] == "queued-token")
        #expect(try store.takeDeployCredentials("q")?.password == "git-token-5e6f")
    }

    @Test("a rotation stopped after any step leaves every secret readable, and the next start completes it", arguments: Stop.allCases)
    func stoppedMidway(_ stop: Stop) throws {
        let (directory, database, files) = try seeded()
        defer { try? FileManager.default.removeItem(at: directory) }
        let oldKey = try String(contentsOf: files.file, encoding: .utf8)
        do {
            let keyring = try files.load(environment: [:]).keyring
            let store = try SlipwayStore(path: database, secrets: SecretCipher(keyring: keyring))
            try files.beginRotation(keyring)
            if stop != .afterNewKey {
                let count = try store.resealSecrets()
                #expect(count == ResealCount(secrets: 6, records: 4), "\(count)")
                if stop == .afterRename { try files.finishRotation(keyring) }
            }
        }
        // The server starts again: both keys while the rotation is unfinished.
        let loaded = try files.load(environment: [:])
        #expect(loaded.unfinishedRotation == (stop != .afterRename))
        let store = try SlipwayStore(path: database, secrets: SecretCipher(keyring: loaded.keyring))
        if loaded.unfinishedRotation {
            try files.beginRotation(store.keyring)
            _ = try store.resealSecrets()
            try files.finishRotation(store.keyring)
        }
        #expect(try String(contentsOf: files.file, encoding: .utf8) != oldKey, "master.key holds the new key")
        #expect(!FileManager.default.fileExists(atPath: files.file.path + ".next"))
        // Only the new key is left, and it opens everything.
        let fresh = try files.load(environment: [:])
        #expect(!fresh.unfinishedRotation && !fresh.keyring.isRotating)
        try expectReadable(try SlipwayStore(path: database, secrets: SecretCipher(keyring: fresh.keyring)))
        // The old key opens nothing any more.
        let old = try SlipwayStore(path: database, secrets: SecretCipher(keyring: try MasterKeyFiles(file: files.file).keyring(encoded: oldKey)))
        #expect(throws: SlipwayError.self) { try old.releases(of: app) }
        let mode = try FileManager.default.attributesOfItem(atPath: files.file.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
    }
}
