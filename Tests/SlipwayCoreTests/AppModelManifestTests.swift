import Foundation
import SlipwayCore
import Testing

@Suite("slipway.yaml: release phase, process types, dependsOn, volumes")
struct AppModelManifestTests {
    @Test("release command, an unrouted worker, dependsOn and a volume with its stop-then-start default")
    func appModel() throws {
        let spec = try ManifestParser.parseSlipwayYAML("""
            release: {command: [./manage.py, migrate]}
            services:
              web: {dependsOn: [db]}
              worker: {routed: false, command: ./work.sh}
              db: {volumes: {data: /var/lib/data}}
            """)
        #expect(spec.releaseCommand == ["./manage.py", "migrate"])
        let byName = Dictionary(uniqueKeysWithValues: spec.services.map { ($0.name.value, $0) })
        #expect(byName["web"]?.dependsOn.map(\.value) == ["db"])
        #expect(byName["worker"]?.routed == false)
        #expect(byName["db"]?.volumes == ["data": "/var/lib/data"])
        #expect(byName["db"]?.rollout.maxSurge == 0, "a volume means stop-then-start")
        #expect(byName["db"]?.rollout.maxUnavailable == 1)
        #expect(byName["web"]?.rollout.maxSurge == 1)
        #expect(spec.defaultService?.value == "web")
        #expect(try ManifestParser.parseSlipwayYAML("release: {command: 'echo hi'}\nservices: {web: {}}").releaseCommand
                == ["/bin/sh", "-c", "echo hi"])
    }

    @Test("an explicit rollout wins over the volume default")
    func explicitRolloutWithVolume() throws {
        let spec = try ManifestParser.parseSlipwayYAML("services: {db: {volumes: {d: /d}, rollout: {maxSurge: 1}}}")
        #expect(spec.services[0].rollout.maxSurge == 1)
    }

    @Test("the default service is the only routed one")
    func defaultIsRouted() throws {
        let spec = try ManifestParser.parseSlipwayYAML("services: {api: {}, jobs: {routed: false}}")
        #expect(spec.defaultService?.value == "api")
    }

    @Test("bad values name the field", arguments: [
        ("services: {web: {dependsOn: [nope]}}", "not a service of this app"),
        ("services: {a: {dependsOn: [b]}, b: {dependsOn: [a]}}", "forms a cycle between a, b"),
        ("services: {a: {dependsOn: [a]}}", "names the service itself"),
        ("services: {a: {dependsOn: db}}", "`services.a.dependsOn` must be a list"),
        ("services: {a: {routed: maybe}}", "`services.a.routed` must be true or false"),
        ("services: {a: {volumes: {data: relative/path}}}", "`services.a.volumes.data` must be an absolute path"),
        ("services: {a: {volumes: {Data_1: /d}}}", "volume name"),
        ("services: {a: {volumes: {x: /d, y: /d}}}", "are both mounted at /d"),
        ("services: {a: {volumes: [/d]}}", "must be a mapping of volume names"),
        ("release: ./migrate\nservices: {a: {}}", "`release` must be a mapping"),
        ("release: {cmd: x}\nservices: {a: {}}", "unknown field `release.cmd`"),
        ("release: {command: []}\nservices: {a: {}}", "`release.command` must be a non-empty list"),
    ])
    func badValues(yaml: String, message: String) throws {
        let error = #expect(throws: SlipwayError.self) { try ManifestParser.parseSlipwayYAML(yaml) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test("services start after those they depend on")
    func startOrder() throws {
        func service(_ name: String, _ dependsOn: [String] = []) -> ReleasedService {
            ReleasedService(name: name, image: "i", port: 1, replicas: 1, env: [:], command: nil, dependsOn: dependsOn)
        }
        let release = Release(app: try DNSLabel("a"), version: 1, traceId: "t", createdAt: Date(), source: SourceInfo(kind: .upload),
                              services: [service("api", ["cache", "db"]), service("cache", ["db"]), service("db"), service("web", ["api"])],
                              defaultService: "web")
        #expect(release.servicesInStartOrder.map(\.name) == ["db", "cache", "api", "web"])
    }
}
