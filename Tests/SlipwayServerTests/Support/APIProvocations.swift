import Foundation
import HTTPTypes
import Hummingbird
import SlipwayCore
import SlipwayServer
import Synchronization
import TLSTestSupport
import SlipwayTestSupport

/// One request per documented status of each operation of openapi.yaml ("METHOD /path STATUS"),
/// sent to a server whose app `demo` has three releases (v3 with config files at /etc/demo) and the
/// custom host demo.example.com, and whose app `other` owns taken.example.com.
/// `{trace}` in a path is the trace id of demo's first deploy.
enum APIProvocations {
    struct Provocation: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var body: String?
        var bytes: Data?
        /// Files sent as a .tar.gz upload.
        var archive: [String: String]?
        var headers: HTTPFields = [:]
        /// Changes what the requests after it would see (queues a release, destroys): sent last.
        var changesState = false

        init(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, bytes: Data? = nil, archive: [String: String]? = nil,
             headers: HTTPFields = [:], changesState: Bool = false) {
            (self.method, self.path, self.body, self.bytes, self.archive, self.headers, self.changesState)
                = (method, path, body, bytes, archive, headers, changesState)
        }

        func send(to server: InProcessServer, seed: Seed) async throws -> Answer {
            let path = path.replacingOccurrences(of: "{trace}", with: seed.trace).replacingOccurrences(of: "{notification}", with: seed.notification)
                .replacingOccurrences(of: "{backup}", with: seed.backup)
            let body = body.map { seed.certificates.fill($0) }
            var headers = headers
            // A webhook signed with the seeded app's secret, as GitHub signs it.
            if headers[HTTPField.Name("X-Hub-Signature-256")!] == "{sign}" {
                headers[HTTPField.Name("X-Hub-Signature-256")!] = "sha256=" + ForgeDelivery.hmac(Data((body ?? "").utf8), secret: seed.webhookSecret)
            }
            var bytes = bytes
            if let archive { bytes = try await SourceTree.archive(archive, under: server.configuration.dataDirectory) }
            return try await server.request(method, path, body: body, bytes: bytes.map { ByteBuffer(bytes: $0) }, headers: headers)
        }
    }

    struct Seed: Sendable {
        var trace: String
        var certificates: SeedCertificates
        /// The id of a notification target demo's events go to.
        var notification: String
        /// demo's webhook secret (demo is connected to a repository and has a deploy key).
        var webhookSecret = ""
        /// The id of a backup of other's add-on db (whose backups are also scheduled).
        var backup = ""
    }

    static let token = "contract-test-token-0123456789abcdef"
    static let configure: @Sendable (inout ServerConfiguration) -> Void = {
        $0.token = token
        $0.maxUploadBytes = 4096
        $0.maxCloneBytes = 1 << 20
    }

    static func seed(_ server: InProcessServer) async throws -> Seed {
        let first = try await server.deploy("demo")
        _ = try await server.deploy("demo")
        _ = try await server.change(.put, "/v1/apps/demo/files", body: #"{"mount": "/etc/demo", "files": {"a.conf": "aGk="}}"#)
        // demo has a custom host; another app owns taken.example.com.
        _ = try await server.deploy("other")
        // An app with a scheduled job that never comes due during a test.
        _ = try await server.deploy("crony", files: SourceTree.web.merging(["slipway.yaml":
            "services: {web: {port: 8080}}\ncron: {yearly: {schedule: \"0 0 1 1 *\", command: [\"true\"], concurrency: allow}}"]) { $1 })
        for (app, host) in [("demo", "demo.example.com"), ("other", "taken.example.com")] {
            let answer = try await server.request(.post, "/v1/apps/\(app)/domains", body: #"{"host": "\#(host)"}"#)
            guard answer.status == 201 else { throw TestFailure("seeding \(host): \(answer.status) \(answer.body)") }
        }
        // other has a Postgres add-on named db.
        let addon = try await server.request(.post, "/v1/apps/other/addons", body: #"{"type": "postgres", "name": "db"}"#)
        guard addon.status == 202 else { throw TestFailure("seeding an add-on: \(addon.status) \(addon.body)") }
        let backup = try await server.request(.post, "/v1/apps/other/addons/db/backups")
        guard backup.status == 200, let last = backup.body.split(separator: "\n").last,
              let made = try? Timestamp.decoder().decode(BackupProgress.self, from: Data(last.utf8)).backup else {
            throw TestFailure("seeding a backup: \(backup.status) \(backup.body)")
        }
        let schedule = try await server.request(.put, "/v1/apps/other/addons/db/backup-schedule", body: #"{"schedule": "0 0 1 1 *", "keep": 3}"#)
        guard schedule.status == 200 else { throw TestFailure("seeding a backup schedule: \(schedule.status) \(schedule.body)") }
        let certificates = try SeedCertificates.shared()
        let stored = try await server.request(.post, "/v1/certs", body: certificates.fill(#"{"host": "seeded.example.test", "certificate": "{cert}", "key": "{key}"}"#))
        guard stored.status == 201 else { throw TestTimeout("seeding a certificate: \(stored.status) \(stored.body)") }
        let sshKey = try await server.request(.post, "/v1/keys", body: #"{"publicKey": "\#(seededKey)", "name": "seeded"}"#)
        guard sshKey.status == 201 else { throw TestFailure("seeding an SSH key: \(sshKey.status) \(sshKey.body)") }
        let target = try await server.request(.post, "/v1/notifications", body: #"{"app": "demo", "url": "https://hooks.example.test/slipway"}"#)
        guard target.status == 201 else { throw TestFailure("seeding a notification target: \(target.status) \(target.body)") }
        let webhookSecret = try await server.connect("demo", repo: "https://git.example.com/team/demo.git", forge: .github)
        let key = try await server.request(.post, "/v1/apps/demo/git/key", body: "{}")
        guard key.status == 201 else { throw TestTimeout("seeding a deploy key: \(key.status) \(key.body)") }
        return Seed(trace: first.traceId, certificates: certificates, notification: try target.decode(NotificationCreated.self).target.id,
                    webhookSecret: webhookSecret, backup: made.id)
    }

    /// The SSH key listed as `seeded` (ssh-keygen -t ed25519).
    static let seededKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAYtLyCUM147oaXgKbL3rEwJfhYlmpnNT0f+qMQOR/at seeded@contract"

    static let wrongToken: HTTPFields = [.authorization: "Bearer not-the-token"]
    static let gzip: HTTPFields = [.contentType: "application/gzip"]
    static let push: HTTPFields = [.contentType: "application/x-git-receive-pack-request"]

    static let all: [String: Provocation] = explicit.merging(guarded) { explicit, _ in explicit }

    static let explicit: [String: Provocation] = [
        "GET /healthz 200": .init(.get, "/healthz"),
        "GET /metrics 200": .init(.get, "/metrics"),
        "GET /metrics 401": .init(.get, "/metrics", headers: wrongToken),
        "GET /openapi.yaml 200": .init(.get, "/openapi.yaml"),
        "GET /v1/apps 200": .init(.get, "/v1/apps"),
        "GET /v1/apps 401": .init(.get, "/v1/apps", headers: wrongToken),
        "GET /v1/apps/{app} 200": .init(.get, "/v1/apps/demo"),
        "GET /v1/apps/{app} 400": .init(.get, "/v1/apps/Not_A_Name"),
        "GET /v1/apps/{app} 404": .init(.get, "/v1/apps/nope"),
        "DELETE /v1/apps/{app} 200": .init(.delete, "/v1/apps/demo", changesState: true),
        "DELETE /v1/apps/{app} 400": .init(.delete, "/v1/apps/demo?volumes=maybe"),
        "DELETE /v1/apps/{app} 404": .init(.delete, "/v1/apps/nope"),
        "GET /v1/apps/{app}/addons 200": .init(.get, "/v1/apps/other/addons"),
        "GET /v1/apps/{app}/addons 400": .init(.get, "/v1/apps/Not_A_Name/addons"),
        "GET /v1/apps/{app}/addons 404": .init(.get, "/v1/apps/nope/addons"),
        "POST /v1/apps/{app}/addons 202": .init(.post, "/v1/apps/demo/addons", body: #"{"type": "redis"}"#, changesState: true),
        "POST /v1/apps/{app}/addons 400": .init(.post, "/v1/apps/demo/addons", body: #"{"type": "mysql"}"#),
        "POST /v1/apps/{app}/addons 404": .init(.post, "/v1/apps/nope/addons", body: #"{"type": "redis"}"#),
        "POST /v1/apps/{app}/addons 409": .init(.post, "/v1/apps/other/addons", body: #"{"type": "postgres", "name": "db"}"#),
        "GET /v1/apps/{app}/addons/{name} 200": .init(.get, "/v1/apps/other/addons/db"),
        "GET /v1/apps/{app}/addons/{name} 400": .init(.get, "/v1/apps/other/addons/Not_A_Name"),
        "GET /v1/apps/{app}/addons/{name} 404": .init(.get, "/v1/apps/other/addons/none"),
        "DELETE /v1/apps/{app}/addons/{name} 200": .init(.delete, "/v1/apps/other/addons/db", changesState: true),
        "DELETE /v1/apps/{app}/addons/{name} 400": .init(.delete, "/v1/apps/other/addons/db?volumes=maybe"),
        "DELETE /v1/apps/{app}/addons/{name} 404": .init(.delete, "/v1/apps/other/addons/none"),
        "GET /v1/apps/{app}/backups 200": .init(.get, "/v1/apps/other/backups?addon=db"),
        "GET /v1/apps/{app}/backups 400": .init(.get, "/v1/apps/other/backups?addon=Not_A_Name"),
        "GET /v1/apps/{app}/backups 404": .init(.get, "/v1/apps/other/backups?addon=none"),
        "POST /v1/apps/{app}/addons/{name}/backups 200": .init(.post, "/v1/apps/other/addons/db/backups", changesState: true),
        "POST /v1/apps/{app}/addons/{name}/backups 400": .init(.post, "/v1/apps/other/addons/Not_A_Name/backups"),
        "POST /v1/apps/{app}/addons/{name}/backups 404": .init(.post, "/v1/apps/demo/addons/db/backups"),
        "POST /v1/apps/{app}/addons/{name}/backups/{id}/restore 200": .init(.post, "/v1/apps/other/addons/db/backups/{backup}/restore",
                                                                            body: #"{"confirm": "other/db"}"#, changesState: true),
        "POST /v1/apps/{app}/addons/{name}/backups/{id}/restore 400": .init(.post, "/v1/apps/other/addons/db/backups/%2E%2E/restore",
                                                                            body: #"{"confirm": "other/db"}"#),
        "POST /v1/apps/{app}/addons/{name}/backups/{id}/restore 409": .init(.post, "/v1/apps/other/addons/db/backups/{backup}/restore",
                                                                            body: #"{"into": "db"}"#),
        "POST /v1/apps/{app}/addons/{name}/backups/{id}/restore 404": .init(.post, "/v1/apps/demo/addons/db/backups/{backup}/restore",
                                                                            body: #"{"confirm": "demo/db"}"#),
        "PUT /v1/apps/{app}/addons/{name}/backup-schedule 200": .init(.put, "/v1/apps/other/addons/db/backup-schedule",
                                                                      body: #"{"schedule": "0 3 * * *", "keep": 7}"#, changesState: true),
        "PUT /v1/apps/{app}/addons/{name}/backup-schedule 400": .init(.put, "/v1/apps/other/addons/db/backup-schedule",
                                                                      body: #"{"schedule": "61 * * * *", "keep": 7}"#),
        "PUT /v1/apps/{app}/addons/{name}/backup-schedule 404": .init(.put, "/v1/apps/other/addons/none/backup-schedule",
                                                                      body: #"{"schedule": "0 3 * * *", "keep": 7}"#),
        "DELETE /v1/apps/{app}/addons/{name}/backup-schedule 200": .init(.delete, "/v1/apps/other/addons/db/backup-schedule", changesState: true),
        "DELETE /v1/apps/{app}/addons/{name}/backup-schedule 400": .init(.delete, "/v1/apps/other/addons/Not_A_Name/backup-schedule"),
        "DELETE /v1/apps/{app}/addons/{name}/backup-schedule 404": .init(.delete, "/v1/apps/demo/addons/db/backup-schedule"),
        "GET /v1/apps/{app}/releases 200": .init(.get, "/v1/apps/demo/releases"),
        "GET /v1/apps/{app}/releases 400": .init(.get, "/v1/apps/Not_A_Name/releases"),
        "GET /v1/apps/{app}/releases 404": .init(.get, "/v1/apps/nope/releases"),
        "GET /v1/apps/{app}/replicas 200": .init(.get, "/v1/apps/demo/replicas"),
        "GET /v1/apps/{app}/replicas 400": .init(.get, "/v1/apps/-demo/replicas"),
        "GET /v1/apps/{app}/replicas 404": .init(.get, "/v1/apps/nope/replicas"),
        "POST /v1/apps/{app}/rollback 202": .init(.post, "/v1/apps/demo/rollback", body: #"{"to": 1}"#, changesState: true),
        "POST /v1/apps/{app}/rollback 400": .init(.post, "/v1/apps/demo/rollback", body: #"{"to": "v1"}"#),
        "POST /v1/apps/{app}/rollback 404": .init(.post, "/v1/apps/demo/rollback", body: #"{"to": 42}"#),
        "POST /v1/apps/{app}/rollback 409": .init(.post, "/v1/apps/demo/rollback", body: #"{"to": 3}"#),
        "GET /v1/apps/{app}/config 200": .init(.get, "/v1/apps/demo/config"),
        "GET /v1/apps/{app}/config 400": .init(.get, "/v1/apps/\(String(repeating: "a", count: 64))/config"),
        "GET /v1/apps/{app}/config 404": .init(.get, "/v1/apps/nope/config"),
        "PATCH /v1/apps/{app}/config 202": .init(.patch, "/v1/apps/demo/config", body: #"{"set": {"GREETING": "hi"}}"#, changesState: true),
        "PATCH /v1/apps/{app}/config 400": .init(.patch, "/v1/apps/demo/config", body: #"{"set": {"NOT-A-KEY": "x"}}"#),
        "PATCH /v1/apps/{app}/config 404": .init(.patch, "/v1/apps/nope/config", body: #"{"set": {"GREETING": "hi"}}"#),
        "GET /v1/apps/{app}/files 200": .init(.get, "/v1/apps/demo/files"),
        "GET /v1/apps/{app}/files 400": .init(.get, "/v1/apps/Not_A_Name/files"),
        "GET /v1/apps/{app}/files 404": .init(.get, "/v1/apps/nope/files"),
        "PUT /v1/apps/{app}/files 202": .init(.put, "/v1/apps/demo/files", body: #"{"mount": "/etc/other", "files": {"b.conf": "aGk="}}"#, changesState: true),
        "PUT /v1/apps/{app}/files 400": .init(.put, "/v1/apps/demo/files", body: #"{"mount": "relative/path", "files": {"b.conf": "aGk="}}"#),
        "PUT /v1/apps/{app}/files 404": .init(.put, "/v1/apps/nope/files", body: #"{"mount": "/etc/other", "files": {"b.conf": "aGk="}}"#),
        "DELETE /v1/apps/{app}/files 202": .init(.delete, "/v1/apps/demo/files?mount=/etc/demo", changesState: true),
        "DELETE /v1/apps/{app}/files 400": .init(.delete, "/v1/apps/demo/files"),
        "DELETE /v1/apps/{app}/files 404": .init(.delete, "/v1/apps/demo/files?mount=/etc/none"),
        "POST /v1/apps/{app}/scale 202": .init(.post, "/v1/apps/demo/scale", body: #"{"web": 2}"#, changesState: true),
        "POST /v1/apps/{app}/scale 400": .init(.post, "/v1/apps/demo/scale", body: #"{"web": -1}"#),
        "POST /v1/apps/{app}/scale 404": .init(.post, "/v1/apps/nope/scale", body: #"{"web": 2}"#),
        "GET /v1/apps/{app}/logs 200": .init(.get, "/v1/apps/demo/logs?tail=10"),
        "GET /v1/apps/{app}/logs 400": .init(.get, "/v1/apps/demo/logs?tail=many"),
        "GET /v1/apps/{app}/logs 404": .init(.get, "/v1/apps/nope/logs"),
        "GET /v1/apps/{app}/logs/ws 400": .init(.get, "/v1/apps/demo/logs/ws"),
        "GET /v1/apps/{app}/run/ws 400": .init(.get, "/v1/apps/demo/run/ws"),
        "GET /v1/apps/{app}/run/ws 404": .init(.get, "/v1/apps/demo/run/ws?addon=none"),
        "GET /v1/apps/{app}/logs/ws 404": .init(.get, "/v1/apps/nope/logs/ws"),
        "GET /v1/apps/{app}/events 200": .init(.get, "/v1/apps/demo/events"),
        "GET /v1/apps/{app}/events 400": .init(.get, "/v1/apps/demo/events?since=yesterday-ish"),
        "GET /v1/apps/{app}/events 404": .init(.get, "/v1/apps/nope/events"),
        "GET /v1/apps/{app}/metrics 200": .init(.get, "/v1/apps/demo/metrics?range=day"),
        "GET /v1/apps/{app}/metrics 400": .init(.get, "/v1/apps/demo/metrics?range=week"),
        "GET /v1/apps/{app}/metrics 404": .init(.get, "/v1/apps/nope/metrics"),
        "POST /v1/apps/{app}/run 200": .init(.post, "/v1/apps/demo/run", body: #"{"command": ["echo", "hi"]}"#),
        "POST /v1/apps/{app}/run 400": .init(.post, "/v1/apps/demo/run", body: #"{"command": []}"#),
        "POST /v1/apps/{app}/run 404": .init(.post, "/v1/apps/nope/run", body: #"{"command": ["echo", "hi"]}"#),
        "GET /v1/apps/{app}/cron 200": .init(.get, "/v1/apps/crony/cron"),
        "GET /v1/apps/{app}/cron 400": .init(.get, "/v1/apps/Not_A_Name/cron"),
        "GET /v1/apps/{app}/cron 404": .init(.get, "/v1/apps/nope/cron"),
        "GET /v1/apps/{app}/cron/{job}/runs 200": .init(.get, "/v1/apps/crony/cron/yearly/runs"),
        "GET /v1/apps/{app}/cron/{job}/runs 400": .init(.get, "/v1/apps/Not_A_Name/cron/yearly/runs"),
        "GET /v1/apps/{app}/cron/{job}/runs 404": .init(.get, "/v1/apps/crony/cron/nope/runs"),
        "POST /v1/apps/{app}/cron/{job}/run 202": .init(.post, "/v1/apps/crony/cron/yearly/run"),
        "POST /v1/apps/{app}/cron/{job}/run 400": .init(.post, "/v1/apps/Not_A_Name/cron/yearly/run"),
        "POST /v1/apps/{app}/cron/{job}/run 404": .init(.post, "/v1/apps/demo/cron/yearly/run"),
        "GET /v1/apps/{app}/deploys 200": .init(.get, "/v1/apps/demo/deploys"),
        "GET /v1/apps/{app}/deploys 400": .init(.get, "/v1/apps/Not_A_Name/deploys"),
        "GET /v1/apps/{app}/deploys 404": .init(.get, "/v1/apps/no-such-app/deploys"),
        "POST /v1/apps/{app}/deploys 202": .init(.post, "/v1/apps/demo/deploys", archive: SourceTree.web, headers: gzip, changesState: true),
        "POST /v1/apps/{app}/deploys 400": .init(.post, "/v1/apps/demo/deploys", body: #"{"source": "-upload-pack=touch /tmp/x"}"#),
        "POST /v1/apps/{app}/deploys 403": .init(.post, "/v1/apps/demo/deploys", body: #"{"source": "/etc"}"#),
        "POST /v1/apps/{app}/deploys 413": .init(.post, "/v1/apps/demo/deploys", bytes: Data([0x1f, 0x8b]) + Data(count: 8192), headers: gzip),
        "GET /v1/apps/{app}/domains 200": .init(.get, "/v1/apps/demo/domains"),
        "GET /v1/apps/{app}/domains 400": .init(.get, "/v1/apps/Not_A_Name/domains"),
        "GET /v1/apps/{app}/domains 404": .init(.get, "/v1/apps/nope/domains"),
        "POST /v1/apps/{app}/domains 201": .init(.post, "/v1/apps/demo/domains", body: #"{"host": "shop.example.com"}"#, changesState: true),
        "POST /v1/apps/{app}/domains 400": .init(.post, "/v1/apps/demo/domains", body: #"{"host": "127.0.0.1"}"#),
        "POST /v1/apps/{app}/domains 404": .init(.post, "/v1/apps/nope/domains", body: #"{"host": "shop.example.com"}"#),
        "POST /v1/apps/{app}/domains 409": .init(.post, "/v1/apps/demo/domains", body: #"{"host": "taken.example.com"}"#),
        "DELETE /v1/apps/{app}/domains 200": .init(.delete, "/v1/apps/demo/domains?host=demo.example.com", changesState: true),
        "DELETE /v1/apps/{app}/domains 400": .init(.delete, "/v1/apps/demo/domains"),
        "DELETE /v1/apps/{app}/domains 404": .init(.delete, "/v1/apps/demo/domains?host=none.example.com"),
        "GET /v1/apps/{app}/maintenance 200": .init(.get, "/v1/apps/demo/maintenance"),
        "GET /v1/apps/{app}/maintenance 400": .init(.get, "/v1/apps/-demo/maintenance"),
        "GET /v1/apps/{app}/maintenance 404": .init(.get, "/v1/apps/nope/maintenance"),
        "PUT /v1/apps/{app}/maintenance 200": .init(.put, "/v1/apps/demo/maintenance", body: #"{"message": "back soon"}"#, changesState: true),
        "PUT /v1/apps/{app}/maintenance 400": .init(.put, "/v1/apps/demo/maintenance", body: #"{"message": "\u0007bell"}"#),
        "PUT /v1/apps/{app}/maintenance 404": .init(.put, "/v1/apps/nope/maintenance", body: #"{"message": "back soon"}"#),
        "DELETE /v1/apps/{app}/maintenance 200": .init(.delete, "/v1/apps/demo/maintenance", changesState: true),
        "DELETE /v1/apps/{app}/maintenance 400": .init(.delete, "/v1/apps/Not_A_Name/maintenance"),
        "DELETE /v1/apps/{app}/maintenance 404": .init(.delete, "/v1/apps/nope/maintenance"),
        "GET /v1/apps/{app}/git 200": .init(.get, "/v1/apps/demo/git"),
        "GET /v1/apps/{app}/git 400": .init(.get, "/v1/apps/Not_A_Name/git"),
        "GET /v1/apps/{app}/git 404": .init(.get, "/v1/apps/nope/git"),
        "PUT /v1/apps/{app}/git 200": .init(.put, "/v1/apps/demo/git", body: #"{"branch": "main"}"#, changesState: true),
        "PUT /v1/apps/{app}/git 400": .init(.put, "/v1/apps/demo/git", body: #"{"branch": "../main"}"#),
        "GET /git/{repository}/info/refs 200": .init(.get, "/git/demo.git/info/refs?service=git-receive-pack"),
        "GET /git/{repository}/info/refs 400": .init(.get, "/git/Not_A_Name.git/info/refs?service=git-receive-pack"),
        "GET /git/{repository}/info/refs 403": .init(.get, "/git/demo.git/info/refs?service=git-upload-pack"),
        "GET /git/{repository}/info/refs 404": .init(.get, "/git/nope.git/info/refs?service=git-receive-pack"),
        // An empty push (a flush and nothing else): receive-pack has nothing to do.
        "POST /git/{repository}/git-receive-pack 200": .init(.post, "/git/demo.git/git-receive-pack", bytes: Data("0000".utf8), headers: push),
        "POST /git/{repository}/git-receive-pack 400": .init(.post, "/git/-demo.git/git-receive-pack", bytes: Data("0000".utf8), headers: push),
        "POST /git/{repository}/git-receive-pack 404": .init(.post, "/git/nope.git/git-receive-pack", bytes: Data("0000".utf8), headers: push),
        "POST /git/{repository}/git-receive-pack 415": .init(.post, "/git/demo.git/git-receive-pack", bytes: Data("0000".utf8), headers: [.contentType: "text/plain"]),
        "POST /git/{repository}/git-receive-pack 413": .init(.post, "/git/demo.git/git-receive-pack", bytes: Data(count: (1 << 20) + 1), headers: push),
        "GET /v1/deploys/{traceId} 200": .init(.get, "/v1/deploys/{trace}"),
        "GET /v1/deploys/{traceId} 404": .init(.get, "/v1/deploys/no-such-trace"),
        "DELETE /v1/deploys/{traceId} 404": .init(.delete, "/v1/deploys/no-such-trace"),
        "DELETE /v1/deploys/{traceId} 409": .init(.delete, "/v1/deploys/{trace}"),
        "GET /v1/deploys/{traceId}/log 200": .init(.get, "/v1/deploys/{trace}/log"),
        "GET /v1/deploys/{traceId}/log 404": .init(.get, "/v1/deploys/no-such-trace/log"),
        "POST /trigger 202": .init(.post, "/trigger", body: #"{"gitrepo": "https://127.0.0.1:1/nobody/slipway-trigger.git"}"#, changesState: true),
        "POST /trigger 403": .init(.post, "/trigger", body: #"{"gitrepo": "file:///etc/slipway-trigger.git"}"#),
        "POST /trigger 400": .init(.post, "/trigger", body: #"{"gitrepo": "ext::sh -c touch% /tmp/pwned"}"#),
        "GET /v1/certs 200": .init(.get, "/v1/certs"),
        "POST /v1/certs 201": .init(.post, "/v1/certs", body: #"{"host": "shop.example.test", "certificate": "{cert}", "key": "{key}"}"#, changesState: true),
        "POST /v1/certs 400": .init(.post, "/v1/certs", body: #"{"host": "bank.example.test", "certificate": "{cert}", "key": "{key}"}"#),
        "POST /v1/certs 413": .init(.post, "/v1/certs", body: #"{"host": "shop.example.test", "certificate": ""# + String(repeating: "A", count: 1_100_000) + #"", "key": ""}"#),
        "DELETE /v1/certs/{host} 200": .init(.delete, "/v1/certs/seeded.example.test", changesState: true),
        "DELETE /v1/certs/{host} 400": .init(.delete, "/v1/certs/127.0.0.1"),
        "DELETE /v1/certs/{host} 404": .init(.delete, "/v1/certs/nothing.example.test"),
        "GET /v1/notifications 200": .init(.get, "/v1/notifications?app=demo"),
        "GET /v1/notifications 400": .init(.get, "/v1/notifications?app=Not_A_Name"),
        "GET /v1/notifications 404": .init(.get, "/v1/notifications?app=nope"),
        "POST /v1/notifications 201": .init(.post, "/v1/notifications", body: #"{"url": "https://hooks.example.test/all", "events": ["deploy.failed"], "format": "slack"}"#, changesState: true),
        "POST /v1/notifications 400": .init(.post, "/v1/notifications", body: #"{"url": "file:///etc/passwd"}"#),
        "POST /v1/notifications 403": .init(.post, "/v1/notifications", body: #"{"url": "http://169.254.169.254/latest/meta-data/"}"#),
        "POST /v1/notifications 404": .init(.post, "/v1/notifications", body: #"{"app": "nope", "url": "https://hooks.example.test/x"}"#),
        "POST /v1/notifications 413": .init(.post, "/v1/notifications", body: #"{"url": "https://hooks.example.test/"# + String(repeating: "a", count: 1_100_000) + #""}"#),
        "GET /v1/notifications/log 200": .init(.get, "/v1/notifications/log?app=demo&limit=5"),
        "GET /v1/notifications/log 400": .init(.get, "/v1/notifications/log?limit=0"),
        "GET /v1/notifications/log 404": .init(.get, "/v1/notifications/log?app=nope"),
        "DELETE /v1/notifications/{id} 200": .init(.delete, "/v1/notifications/{notification}", changesState: true),
        "DELETE /v1/notifications/{id} 404": .init(.delete, "/v1/notifications/ntf_000000000000"),
        "POST /v1/secrets/rotate-key 200": .init(.post, "/v1/secrets/rotate-key"),
        "GET /v1/apps/{app}/git/connection 200": .init(.get, "/v1/apps/demo/git/connection"),
        "GET /v1/apps/{app}/git/connection 400": .init(.get, "/v1/apps/Not_A_Name/git/connection"),
        "GET /v1/apps/{app}/git/connection 404": .init(.get, "/v1/apps/nope/git/connection"),
        "PUT /v1/apps/{app}/git/connection 201": .init(.put, "/v1/apps/demo/git/connection", body: #"{"repo": "https://git.example.com/team/demo2.git"}"#, changesState: true),
        "PUT /v1/apps/{app}/git/connection 400": .init(.put, "/v1/apps/demo/git/connection", body: #"{"repo": "https://git.example.com/x.git", "forge": "sourcehut"}"#),
        "PUT /v1/apps/{app}/git/connection 403": .init(.put, "/v1/apps/demo/git/connection", body: #"{"repo": "file:///etc/x"}"#),
        "DELETE /v1/apps/{app}/git/connection 200": .init(.delete, "/v1/apps/demo/git/connection", changesState: true),
        "DELETE /v1/apps/{app}/git/connection 400": .init(.delete, "/v1/apps/Not_A_Name/git/connection"),
        "DELETE /v1/apps/{app}/git/connection 404": .init(.delete, "/v1/apps/nope/git/connection"),
        "POST /v1/apps/{app}/git/key 200": .init(.post, "/v1/apps/demo/git/key", body: "{}"),
        "POST /v1/apps/{app}/git/key 201": .init(.post, "/v1/apps/demo/git/key", body: #"{"rotate": true}"#, changesState: true),
        "POST /v1/apps/{app}/git/key 400": .init(.post, "/v1/apps/demo/git/key", body: #"{"knownHost": "not a key"}"#),
        "POST /v1/apps/{app}/git/key 404": .init(.post, "/v1/apps/nope/git/key", body: "{}"),
        "GET /v1/apps/{app}/previews 200": .init(.get, "/v1/apps/demo/previews"),
        "GET /v1/apps/{app}/previews 400": .init(.get, "/v1/apps/Not_A_Name/previews"),
        "PUT /v1/apps/{app}/previews 200": .init(.put, "/v1/apps/demo/previews", body: #"{"ttl": "3d", "max": 2}"#),
        "PUT /v1/apps/{app}/previews 400": .init(.put, "/v1/apps/demo/previews", body: #"{"ttl": "forever"}"#),
        "DELETE /v1/apps/{app}/previews 200": .init(.delete, "/v1/apps/demo/previews", changesState: true),
        "DELETE /v1/apps/{app}/previews 400": .init(.delete, "/v1/apps/Not_A_Name/previews"),
        "POST /hooks/{app} 202": .init(.post, "/hooks/demo", body: #"{"ref": "refs/heads/main", "after": "0123456789abcdef0123456789abcdef01234567"}"#,
                                       headers: [HTTPField.Name("X-Hub-Signature-256")!: "{sign}", HTTPField.Name("X-GitHub-Event")!: "push",
                                                 HTTPField.Name("X-GitHub-Delivery")!: "contract-1"], changesState: true),
        "POST /hooks/{app} 400": .init(.post, "/hooks/demo", body: "{}", headers: [HTTPField.Name("X-Hub-Signature-256")!: "{sign}",
                                                                                     HTTPField.Name("X-GitHub-Delivery")!: "contract-2"]),
        "POST /hooks/{app} 401": .init(.post, "/hooks/demo", body: "{}", headers: [HTTPField.Name("X-GitHub-Event")!: "push",
                                                                                     HTTPField.Name("X-GitHub-Delivery")!: "contract-3"]),
        "POST /hooks/{app} 404": .init(.post, "/hooks/nope", body: "{}"),
        "POST /hooks/{app} 413": .init(.post, "/hooks/demo", body: #"{"pad": ""# + String(repeating: "A", count: 6 * 1_048_576) + #""}"#),
        "GET /v1/keys 200": .init(.get, "/v1/keys"),
        "POST /v1/keys 201": .init(.post, "/v1/keys", body: #"{"publicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII24zPAWG5SrnqGE2UTykRWzN1fx/TbXQ4i08FxoZ/dO new@contract"}"#, changesState: true),
        "POST /v1/keys 400": .init(.post, "/v1/keys", body: #"{"publicKey": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== old@rsa"}"#),
        "POST /v1/keys 409": .init(.post, "/v1/keys", body: #"{"publicKey": "\#(seededKey)", "name": "again"}"#),
        "POST /v1/keys 413": .init(.post, "/v1/keys", body: #"{"publicKey": ""# + String(repeating: "A", count: 70_000) + #""}"#),
        "DELETE /v1/keys 200": .init(.delete, "/v1/keys?key=seeded", changesState: true),
        "DELETE /v1/keys 400": .init(.delete, "/v1/keys"),
        "DELETE /v1/keys 404": .init(.delete, "/v1/keys?key=nobody"),
        "GET /status 200": .init(.get, "/status?traceId={trace}"),
        "GET /status 400": .init(.get, "/status"),
        "GET /status 404": .init(.get, "/status?traceId=no-such-trace"),
    ]

    /// The checks in front of every handler, for every operation: 401 (the first of its provocations
    /// with a wrong token), 403 for a state-changing one from another Origin, 415 for one that takes
    /// JSON sent as text/plain.
    static var guarded: [String: Provocation] {
        var result: [String: Provocation] = [:]
        let byOperation = Dictionary(grouping: explicit.sorted { $0.key < $1.key }) { operation(of: $0.key) }
        for (operation, cases) in byOperation where operation != "GET /healthz" {
            guard var base = cases.first?.value else { continue }
            base.changesState = false
            var unauthorized = base
            unauthorized.headers[.authorization] = "Bearer not-the-token"
            result["\(operation) 401"] = unauthorized
            if base.method != .get {
                var crossOrigin = base
                crossOrigin.headers[.origin] = "http://attacker.example"
                result["\(operation) 403"] = crossOrigin
            }
            if var json = cases.first(where: { $0.value.body != nil })?.value {
                json.changesState = false
                json.headers[.contentType] = "text/plain"
                result["\(operation) 415"] = json
            }
        }
        return result
    }

    static func operation(of key: String) -> String { String(key[..<(key.lastIndex(of: " ") ?? key.endIndex)]) }

    /// Documented statuses no in-process request can provoke, and why.
    static let notProvoked: [String: String] = [
        "GET /v1/apps/{app}/logs/ws 101": "the WebSocket upgrade needs a live server: SlipwayIntegrationTests covers it",
        "GET /v1/apps/{app}/run/ws 101": "the WebSocket upgrade needs a live server: SlipwayIntegrationTests' InteractiveRunTests cover it",
        "POST /v1/secrets/rotate-key 409": "needs SLIPWAY_MASTER_KEY in the server process's environment: SlipwayIntegrationTests' SecretRotationTests covers it",
        "POST /v1/apps/{app}/cron/{job}/run 409": "needs a run held going on: CronSchedulerTests.forbidSkipsOverlap covers it",
        "GET /v1/apps/{app}/backups 502": "needs a backup store that cannot be read: BackupStoreTests cover the store's failures",
        "POST /v1/apps/{app}/addons/{name}/backups/{id}/restore 502": "needs a real restore that fails: BackupAPITests.failedRestoreSaysSo covers it",
        "POST /v1/apps/{app}/addons 502": "needs an engine that fails to start the add-on: AddonAPITests.engineFailureLeavesNothing covers it",
        "DELETE /v1/deploys/{traceId} 200": "needs a deploy still queued or running: DeployQueueTests.cancelQueued and SlipwayIntegrationTests.CancelTests cover it",
        "POST /hooks/{app} 409": "too_many_previews needs previews enabled and running up to --max: PreviewAPITests.maxEnforced covers it",
    ].merging(Set(explicit.keys.map(operation(of:))).filter { $0.hasPrefix("GET ") && $0 != "GET /healthz" }.map {
        ("\($0) 403", "wrong_host needs a foreign Host, which HummingbirdTesting's router client cannot send (always localhost): SlipwayIntegrationTests' APIAccessTests covers it")
    }) { first, _ in first }.merging(tooManyRequests) { first, _ in first }

    /// 429s need a server with low limits: RequestLimitTests provokes each kind (rate_limited,
    /// queue_full, too_many_followers) on a server configured for it.
    static let followed: Set<String> = ["GET /v1/apps/{app}/logs", "GET /v1/apps/{app}/events", "GET /v1/apps/{app}/logs/ws"]
    static var tooManyRequests: [String: String] {
        Dictionary(uniqueKeysWithValues: Set(explicit.keys.map(operation(of:))).filter { !$0.hasPrefix("GET ") || followed.contains($0) }.map {
            ("\($0) 429", followed.contains($0) ? "too_many_followers needs streams held open: SlipwayIntegrationTests FollowerLimitTests" : "rate_limited: RequestLimitTests.rateLimit (and queue_full: RequestLimitTests.queueCaps)")
        })
    }

    /// Every documented operation, "METHOD /path".
    static let operations: [String] = Set((Array(all.keys) + Array(notProvoked.keys)).map { key in
        String(key[..<(key.lastIndex(of: " ") ?? key.endIndex)])
    }).sorted()

    /// One CA-signed certificate for `*.example.test` and its key, made once with openssl;
    /// `{cert}` and `{key}` in a provocation's body become their JSON-escaped PEM texts.
    struct SeedCertificates: Sendable {
        var certificatePEM: String
        var keyPEM: String

        static func shared() throws -> SeedCertificates {
            try cache.withLock { cached in
                if let cached { return cached }
                let pki = try TestPKI()
                defer { pki.remove() }
                let leaf = try pki.leaf(["seeded.example.test", "shop.example.test"])
                let made = SeedCertificates(certificatePEM: leaf.certificatePEM, keyPEM: leaf.keyPEM)
                cached = made
                return made
            }
        }

        private static let cache = Mutex<SeedCertificates?>(nil)

        func fill(_ body: String) -> String {
            body.replacingOccurrences(of: "{cert}", with: Self.escaped(certificatePEM))
                .replacingOccurrences(of: "{key}", with: Self.escaped(keyPEM))
        }

        private static func escaped(_ pem: String) -> String { pem.replacingOccurrences(of: "\n", with: "\\n") }
    }

    /// Bad app names, unknown trace ids and bodies that are not what the operation takes.
    static func hostile(_ operation: String) -> [Provocation] {
        let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
        let method = HTTPRequest.Method(rawValue: parts[0]) ?? .get
        let template = parts[1]
        var requests: [Provocation] = []
        for app in [String(repeating: "a", count: 64), "Not_A_Name", "-demo"] where template.contains("{app}") {
            requests.append(.init(method, template.replacingOccurrences(of: "{app}", with: app), body: method == .get || method == .delete ? nil : "{}"))
        }
        for trace in ["%2e%2e", String(repeating: "f", count: 300)] where template.contains("{traceId}") {
            requests.append(.init(method, template.replacingOccurrences(of: "{traceId}", with: trace)))
        }
        if [.post, .put, .patch].contains(method) {
            let path = template.replacingOccurrences(of: "{app}", with: "demo")
            for body in ["not json", "[]", #"{"to": "v1", "set": [], "command": "sh", "mount": 5}"#, String(repeating: "[", count: 10_000)] {
                requests.append(.init(method, path, body: body))
            }
        }
        return requests
    }
}
