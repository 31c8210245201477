import Crypto
import Foundation
import SlipwayCore
import SlipwaySecrets
import SlipwayStore
import Testing

@Suite("Secrets at rest")
struct SecretStorageTests {
    let app = try! DNSLabel("vault")

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every byte the database left on disk (main file, WAL and shared memory), as text.
    func databaseBytes(_ directory: URL) throws -> String {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .map { String(decoding: try Data(contentsOf: directory.appendingPathComponent($0)), as: UTF8.self) }
            .joined()
    }

    @Test("secret values are sealed in the database file and open again with the same key only")
    func sealedOnDisk() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("slipway.sqlite").path
        let cipher = SecretCipher(masterKey: MasterKey(key: SymmetricKey(size: .bits256)))
        let change = ReleaseChange(setConfig: ["DB_PASSWORD": "hunter2-very-secret", "API": "explicit-secret-value", "MODE": "plain-value"],
                                   secretKeys: ["API"])
        do {
            let store = try SlipwayStore(path: path, secrets: cipher)
            let base = Release(app: app, version: 1, traceId: "t", createdAt: Date(), source: SourceInfo(kind: .upload),
                               services: [], defaultService: nil)
            _ = try store.createRelease(app: app) { try! change.apply(to: base, version: $0, traceId: "t", createdAt: Date(), createdBy: nil) }
            try store.activate(app: app, version: 1)
            try store.enqueueDeploy(traceId: "q", app: app, source: SourceInfo(kind: .upload), uploadPath: nil, change: change)
        }
        let onDisk = try databaseBytes(directory)
        #expect(!onDisk.contains("hunter2-very-secret"))
        #expect(!onDisk.contains("explicit-secret-value"))
        #expect(onDisk.contains("plain-value"), "only secrets are sealed")

        let reopened = try SlipwayStore(path: path, secrets: cipher)
        let release = try #require(try reopened.currentRelease(of: app))
        #expect(release.config?["DB_PASSWORD"] == "hunter2-very-secret")
        #expect(release.secretKeys == ["API", "DB_PASSWORD"])
        #expect(try reopened.claimNextDeploy()?.change?.setConfig?["API"] == "explicit-secret-value")

        let wrongKey = try SlipwayStore(path: path, secrets: SecretCipher(masterKey: MasterKey(key: SymmetricKey(size: .bits256))))
        let error = #expect(throws: SlipwayError.self) { try wrongKey.currentRelease(of: app) }
        #expect(error?.message.contains("master key") == true)
    }

    @Test("keys derived for other purposes differ by purpose and by master key, and are stable")
    func derivedKeys() {
        let master = SymmetricKey(size: .bits256)
        let key = MasterKey(key: master)
        let hashes = key.derivedKey(purpose: "kubernetes-secret-hashes")
        #expect(hashes.count == 32)
        #expect(hashes == MasterKey(key: master).derivedKey(purpose: "kubernetes-secret-hashes"))
        #expect(hashes != key.derivedKey(purpose: "other"))
        #expect(hashes != MasterKey(key: SymmetricKey(size: .bits256)).derivedKey(purpose: "kubernetes-secret-hashes"))
        #expect(hashes != master.withUnsafeBytes { Array($0) }, "never the master key itself")
    }

    @Test("a sealed value does not open under another key name")
    func contextIsAuthenticated() throws {
        let cipher = SecretCipher(masterKey: MasterKey(key: SymmetricKey(size: .bits256)))
        let sealed = try cipher.seal("s3cret", context: "app/A_TOKEN")
        #expect(try cipher.open(sealed, context: "app/A_TOKEN") == "s3cret")
        #expect(throws: SecretError.self) { try cipher.open(sealed, context: "app/OTHER") }
        #expect(try cipher.seal("s3cret", context: "app/A_TOKEN") != sealed, "a fresh nonce every time")
    }

    @Test("the master key file is made with 0600, reused, refused when others can read it; the environment wins")
    func masterKeyFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("master.key")
        let first = try MasterKey.load(environment: [:], file: file)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let sealed = try SecretCipher(masterKey: first).seal("x", context: "c")
        #expect(try SecretCipher(masterKey: try MasterKey.load(environment: [:], file: file)).open(sealed, context: "c") == "x")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let loose = #expect(throws: SecretError.self) { try MasterKey.load(environment: [:], file: file) }
        #expect(loose?.description.contains("chmod 600") == true)

        let fromEnvironment = try MasterKey.load(environment: ["SLIPWAY_MASTER_KEY": Data(repeating: 7, count: 32).base64EncodedString()], file: file)
        #expect(throws: SecretError.self) { try SecretCipher(masterKey: fromEnvironment).open(sealed, context: "c") }
        let bad = #expect(throws: SecretError.self) { try MasterKey.load(environment: ["SLIPWAY_MASTER_KEY": "short"], file: file) }
        #expect(bad?.description.contains("openssl rand -base64 32") == true)
    }

    @Test("masking replaces secret values in log lines, longest first; tiny values stay")
    func masking() {
        let mask = SecretMask(["abcd", "abcdefgh", "no"])
        #expect(mask.apply("password=abcdefgh and abcd, no") == "password=[redacted] and [redacted], no")
        #expect(Secrets.isSecretByDefault("DB_PASSWORD"))
        #expect(Secrets.isSecretByDefault("api_token"))
        #expect(!Secrets.isSecretByDefault("MONKEY"))
        #expect(Secrets.redact(["A": "1", "B": "2"], secretKeys: ["B"]) == ["A": "1", "B": "[redacted]"])
    }
}
