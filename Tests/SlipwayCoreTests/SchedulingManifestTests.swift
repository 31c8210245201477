import Foundation
import SlipwayCore
import Testing

@Suite("slipway.yaml: Kubernetes fields (resources, autoscale, nodeSelector, tolerations, volume sizes)")
struct SchedulingManifestTests {
    @Test("every field is read")
    func parsesEverything() throws {
        let spec = try ManifestParser.parseSlipwayYAML("""
            services:
              web:
                resources: {cpu: 500m, memory: 256Mi}
                autoscale: {min: 2, max: 10, cpu: 60}
                nodeSelector: {team: payments, kubernetes.io/arch: amd64}
                tolerations:
                  - {key: team, operator: Equal, value: payments, effect: NoSchedule}
                  - {operator: Exists}
                  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}
              db:
                volumes: {data: {path: /var/lib/data, size: 5Gi}, logs: /var/log/db}
                resources: {cpu: 1}
            """)
        let byName = Dictionary(uniqueKeysWithValues: spec.services.map { ($0.name.value, $0) })
        let web = try #require(byName["web"])
        #expect(web.resources == ResourceRequests(cpu: "500m", memory: "256Mi"))
        #expect(web.autoscale == Autoscale(min: 2, max: 10, cpuPercent: 60))
        #expect(web.nodeSelector == ["team": "payments", "kubernetes.io/arch": "amd64"])
        #expect(web.tolerations == [
            Toleration(key: "team", operator: .equal, value: "payments", effect: .noSchedule),
            Toleration(operator: .exists),
            Toleration(key: "node.kubernetes.io/unreachable", operator: .exists, effect: .noExecute, tolerationSeconds: 30),
        ])
        let db = try #require(byName["db"])
        #expect(db.volumes == ["data": "/var/lib/data", "logs": "/var/log/db"])
        #expect(db.volumeSizes == ["data": "5Gi"])
        #expect(db.resources == ResourceRequests(cpu: "1"))
        #expect(db.autoscale == nil && db.nodeSelector == nil && db.tolerations == nil)
        #expect(try ManifestParser.parseSlipwayYAML("services: {w: {resources: {cpu: 1}, autoscale: {min: 1, max: 3}}}")
            .services[0].autoscale?.cpuPercent == 70, "cpu defaults to 70 percent")
    }

    @Test("an old release without the new fields still decodes")
    func oldReleaseDecodes() throws {
        let json = """
            {"name":"web","image":"sha256:abc","port":8080,"replicas":2,"env":{}}
            """
        let service = try JSONDecoder().decode(ReleasedService.self, from: Data(json.utf8))
        #expect(service.resources == nil && service.autoscale == nil && service.tolerations == nil && service.nodeSelector == nil)
        var withFields = service
        withFields.autoscale = Autoscale(min: 1, max: 4)
        withFields.tolerations = [Toleration(operator: .exists)]
        let roundTrip = try JSONDecoder().decode(ReleasedService.self, from: JSONEncoder().encode(withFields))
        #expect(roundTrip == withFields)
    }

    @Test("a stored release service keeps its flat JSON: the settings' fields sit beside the others, read and written")
    func storedReleaseShape() throws {
        let stored = """
            {"name":"web","image":"sha256:abc","port":8080,"replicas":2,"env":{"A":"1"},"routed":true,
             "volumes":{"data":"/data"},"volumeSizes":{"data":"5Gi"},"resources":{"cpu":"250m"},
             "autoscale":{"min":1,"max":3,"cpuPercent":70},"nodeSelector":{"team":"a"},
             "tolerations":[{"key":"team","operator":"Equal","value":"a"}],
             "securityContext":{"runAsUser":1000},"dockerfileUser":"app"}
            """
        let service = try JSONDecoder().decode(ReleasedService.self, from: Data(stored.utf8))
        #expect(service.volumeSizes == ["data": "5Gi"] && service.resources == ResourceRequests(cpu: "250m"))
        #expect(service.autoscale == Autoscale(min: 1, max: 3, cpuPercent: 70) && service.nodeSelector == ["team": "a"])
        #expect(service.tolerations == [Toleration(key: "team", operator: .equal, value: "a")])
        #expect(service.securityContext == SecurityContext(runAsUser: 1000) && service.dockerfileUser == "app")
        let written = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(service)) as? [String: Any])
        let original = try #require(JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
        #expect(Set(written.keys) == Set(original.keys), "written: \(written.keys.sorted())")
        #expect(NSDictionary(dictionary: written) == NSDictionary(dictionary: original))
    }

    @Test("Kubernetes quantities", arguments: [
        ("500m", true), ("1", true), ("0.5", true), ("256Mi", true), ("1Gi", true), ("1G", true), ("1e3", true),
        ("1.5E-2", true), (".5", true), ("+1", true), ("", false), ("m", false), ("1mi", false), ("1 Gi", false),
        ("1GB", false), ("1.2.3", false), ("e3", false), ("1e", false), ("abc", false),
    ])
    func quantities(text: String, valid: Bool) {
        #expect(KubernetesQuantity.isValid(text) == valid, "\(text)")
    }

    @Test("bad values name the field", arguments: [
        ("services: {a: {resources: {cpu: lots}}}", "`services.a.resources.cpu` must be a positive Kubernetes quantity"),
        ("services: {a: {resources: {memory: 256MB}}}", "`services.a.resources.memory` must be a positive Kubernetes quantity"),
        ("services: {a: {resources: {memory: 0}}}", "`services.a.resources.memory` must be a positive"),
        ("services: {a: {resources: {gpu: 1}}}", "unknown field `services.a.resources.gpu`"),
        ("services: {a: {resources: 1}}", "`services.a.resources` must be a mapping"),
        ("services: {a: {autoscale: {min: 1, max: 3}}}", "`services.a.autoscale` needs `services.a.resources.cpu`"),
        ("services: {a: {resources: {cpu: 1}, autoscale: {min: 5, max: 3}}}", "min (5) must not be more than max (3)"),
        ("services: {a: {resources: {cpu: 1}, autoscale: {min: 0, max: 3}}}", "`services.a.autoscale.min` must be a whole number between 1"),
        ("services: {a: {resources: {cpu: 1}, autoscale: {min: 1, max: 3, cpu: 101}}}", "`services.a.autoscale.cpu` must be a whole number between 1 and 100"),
        ("services: {a: {resources: {cpu: 1}, autoscale: {min: 1, max: 3, cpu: 0}}}", "`services.a.autoscale.cpu` must be a whole number between 1 and 100"),
        ("services: {a: {resources: {cpu: 1}, autoscale: {max: 3}}}", "`services.a.autoscale` needs `min` and `max`"),
        ("services: {a: {nodeSelector: {'bad key!': x}}}", "`services.a.nodeSelector.bad key!`"),
        ("services: {a: {nodeSelector: {team: 'a b'}}}", "`services.a.nodeSelector.team` must be a label value"),
        ("services: {a: {nodeSelector: [team]}}", "`services.a.nodeSelector` must be a mapping"),
        ("services: {a: {tolerations: {key: x}}}", "`services.a.tolerations` must be a list"),
        ("services: {a: {tolerations: [{key: x, operator: In}]}}", "`services.a.tolerations[0].operator` must be Exists or Equal"),
        ("services: {a: {tolerations: [{key: x, effect: NoRun}]}}", "`services.a.tolerations[0].effect` must be NoSchedule, PreferNoSchedule or NoExecute"),
        ("services: {a: {tolerations: [{key: x, effect: NoSchedule, tolerationSeconds: 5}]}}", "`services.a.tolerations[0].tolerationSeconds` needs effect: NoExecute"),
        ("services: {a: {tolerations: [{operator: Equal, value: x}]}}", "without a `key` the operator must be Exists"),
        ("services: {a: {tolerations: [{key: x, operator: Exists, value: y}]}}", "with operator Exists there is no `value`"),
        ("services: {a: {tolerations: [{key: x, colour: red}]}}", "unknown field `services.a.tolerations[0].colour`"),
        ("services: {a: {volumes: {data: {path: /d, size: big}}}}", "`services.a.volumes.data.size` must be a positive Kubernetes quantity"),
        ("services: {a: {volumes: {data: {size: 1Gi}}}}", "`services.a.volumes.data` must be an absolute path"),
        ("services: {a: {volumes: {data: {path: /d, mode: rw}}}}", "unknown field `services.a.volumes.data.mode`"),
    ])
    func badValues(yaml: String, message: String) throws {
        let error = #expect(throws: SlipwayError.self) { try ManifestParser.parseSlipwayYAML(yaml) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}

@Suite("slipway.yaml: securityContext and the Dockerfile's USER")
struct SecurityContextManifestTests {
    @Test("securityContext parses; capabilities are upper-cased without CAP_")
    func parses() throws {
        let spec = try ManifestParser.parseSlipwayYAML("""
            services:
              web:
                securityContext: {runAsUser: 1000, runAsGroup: 2000, readOnlyRootFilesystem: true, capabilities: {add: [net_bind_service, CAP_CHOWN]}}
            """)
        #expect(spec.services[0].securityContext == SecurityContext(runAsUser: 1000, runAsGroup: 2000, readOnlyRootFilesystem: true,
                                                                    addCapabilities: ["NET_BIND_SERVICE", "CHOWN"]))
    }

    @Test("attack: capabilities beyond Pod Security baseline, privileged and escalation cannot be asked for", arguments: [
        ("{capabilities: {add: [SYS_ADMIN]}}", "SYS_ADMIN is not allowed"),
        ("{capabilities: {add: [NET_RAW]}}", "NET_RAW is not allowed"),
        ("{privileged: true}", "unknown field `services.web.securityContext.privileged`"),
        ("{allowPrivilegeEscalation: true}", "unknown field `services.web.securityContext.allowPrivilegeEscalation`"),
        ("{capabilities: {drop: [ALL]}}", "unknown field `services.web.securityContext.capabilities.drop`"),
        ("{runAsNonRoot: true, runAsUser: 0}", "runAsUser is 0"),
        ("{runAsUser: -1}", "must be a numeric id"),
        ("{runAsUser: app}", "must be a numeric id"),
        ("[1]", "must be a mapping"),
    ])
    func refused(yaml: String, message: String) throws {
        let error = #expect(throws: SlipwayError.self) {
            try ManifestParser.parseSlipwayYAML("services:\n  web:\n    securityContext: \(yaml)\n")
        }
        #expect(error?.message.contains(message) == true, "\(String(describing: error?.message))")
    }

    @Test("the final stage's last USER", arguments: [
        ("FROM a\nUSER 1000\n", "1000"), ("FROM a\nUSER app\nUSER 10:10\n", "10:10"),
        ("FROM a AS build\nUSER 1000\nFROM b\n", nil), ("FROM a\n", nil), ("FROM a\nuser  nobody\n", "nobody"),
    ] as [(String, String?)])
    func dockerfileUser(text: String, expected: String?) {
        #expect(ManifestParser.dockerfileUser(dockerfile: text) == expected)
    }
}
