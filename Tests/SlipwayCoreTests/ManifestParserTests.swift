import Foundation
import SlipwayCore
import Testing

@Suite("slipway.yaml")
struct SlipwayYAMLTests {
    @Test("a full manifest")
    func fullManifest() throws {
        let spec = try ManifestParser.parseSlipwayYAML("""
            name: shop
            services:
              web:
                port: 8080
                replicas: 3
                env: {GREETING: hello, WORKERS: 4, DEBUG: false}
                command: [httpd, -f]
              worker:
                dockerfile: ./worker/Dockerfile
                command: "run-jobs --all"
            """)
        #expect(spec.name?.value == "shop")
        #expect(spec.services.map(\.name.value) == ["web", "worker"])
        let web = try #require(spec.services.first)
        #expect(web.port == 8080)
        #expect(web.replicas == 3)
        #expect(web.env == ["GREETING": "hello", "WORKERS": "4", "DEBUG": "false"])
        #expect(web.command == ["httpd", "-f"])
        #expect(web.dockerfile == "Dockerfile")
        let worker = try #require(spec.services.last)
        #expect(worker.dockerfile == "worker/Dockerfile")
        #expect(worker.replicas == 1)
        #expect(worker.port == nil)
        #expect(worker.command == ["/bin/sh", "-c", "run-jobs --all"])
        #expect(spec.defaultService?.value == "web")
    }

    @Test("the only service is the default one; without web and with several there is none")
    func defaultService() throws {
        #expect(try ManifestParser.parseSlipwayYAML("services: {api: {}}").defaultService?.value == "api")
        #expect(try ManifestParser.parseSlipwayYAML("services: {a: {}, b: {}}").defaultService == nil)
    }

    @Test("errors name the field", arguments: [
        ("services: {web: {replicas: two}}", "services.web.replicas"),
        ("services: {web: {replicas: -1}}", "services.web.replicas"),
        ("services: {web: {port: 70000}}", "services.web.port"),
        ("services: {web: {port: true}}", "services.web.port"),
        ("services: {web: {dockerfile: ../outside}}", "services.web.dockerfile"),
        ("services: {web: {dockerfile: /etc/Dockerfile}}", "services.web.dockerfile"),
        ("services: {web: {env: {1BAD: x}}}", "services.web.env.1BAD"),
        ("services: {web: {command: []}}", "services.web.command"),
        ("services: {web: {colour: blue}}", "services.web.colour"),
        ("services: {Web_1: {}}", "service name"),
        ("name: x\n", "missing field `services`"),
        ("services: {}", "non-empty"),
        ("servics: {web: {}}", "unknown field `servics`"),
        ("name: Not_A_Label\nservices: {web: {}}", "`name`"),
        ("services: [web]", "`services` must be"),
        ("{ this is: [not yaml", "not valid YAML"),
        ("- just\n- a list", "must be a mapping"),
    ])
    func errorsNameTheField(yaml: String, expected: String) {
        do {
            _ = try ManifestParser.parseSlipwayYAML(yaml)
            Issue.record("expected an error mentioning \(expected)")
        } catch let error as SlipwayError {
            #expect(error.code == "invalid_manifest" || error.code == "invalid_name")
            #expect(error.message.contains(expected), "\(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

@Suite("RAD config.json")
struct RADConfigTests {
    @Test("each application is its own app with one web service")
    func applications() throws {
        let apps = try ManifestParser.parseRADConfig(Data("""
            {"applications": [
              {"application_name": "publisher", "dockerfile": "publisher/Dockerfile", "replica_count": 2, "port": 8080},
              {"application_name": "subscriber", "dockerfile": "subscriber/Dockerfile"}
            ]}
            """.utf8))
        #expect(apps.map { $0.name?.value } == ["publisher", "subscriber"])
        #expect(apps[0].services.map(\.name.value) == ["web"])
        #expect(apps[0].services[0].replicas == 2)
        #expect(apps[0].services[0].port == 8080)
        #expect(apps[0].services[0].dockerfile == "publisher/Dockerfile")
        #expect(apps[1].services[0].replicas == 1)
        #expect(apps[1].services[0].port == nil)
    }

    @Test("errors name the field", arguments: [
        (#"{}"#, "missing field `applications`"),
        (#"{"applications": []}"#, "is empty"),
        (#"{"applications": [{"dockerfile": "D"}]}"#, "applications[0].application_name"),
        (#"{"applications": [{"application_name": "a", "replica_count": true}]}"#, "applications[0].replica_count"),
        (#"{"applications": [{"application_name": "a", "replica_count": 1.5}]}"#, "applications[0].replica_count"),
        (#"{"applications": [{"application_name": "a", "port": "80"}]}"#, "applications[0].port"),
        (#"{"applications": [{"application_name": "a"}, {"application_name": "a"}]}"#, "listed twice"),
        (#"{"applications": [{"application_name": "A B"}]}"#, "application_name"),
        ("not json", "not valid JSON"),
    ])
    func errors(json: String, expected: String) {
        #expect {
            _ = try ManifestParser.parseRADConfig(Data(json.utf8))
        } throws: { error in
            (error as? SlipwayError)?.message.contains(expected) == true
        }
    }
}

@Suite("Dockerfile EXPOSE")
struct ExposedPortTests {
    @Test("the first EXPOSE of the last stage", arguments: [
        ("FROM busybox\nEXPOSE 3000\n", 3000),
        ("FROM busybox\nexpose 5000/tcp 6000\n", 5000),
        ("FROM a AS build\nEXPOSE 1111\nFROM busybox\nEXPOSE 2222\n", 2222),
        ("FROM busybox\nCMD x\n", nil),
        ("FROM a\nEXPOSE 1111\nFROM b\n", nil),
    ] as [(String, Int?)])
    func exposed(dockerfile: String, port: Int?) {
        #expect(ManifestParser.exposedPort(dockerfile: dockerfile) == port)
    }
}
