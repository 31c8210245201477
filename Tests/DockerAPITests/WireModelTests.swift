import Foundation
import Testing

@testable import DockerAPI

@Suite struct WireModelTests {
    @Test func containerStatsFromPodmanAndDocker() throws {
        // Podman 4.3 (cgroup v2, no page cache counted separately) and Docker (cgroup v2: inactive_file left out).
        let podman = #"{"cpu_stats":{"cpu_usage":{"total_usage":22849120},"online_cpus":2},"memory_stats":{"usage":1085440,"limit":25276182528}}"#
        let docker = #"{"cpu_stats":{"cpu_usage":{"total_usage":5}},"memory_stats":{"usage":9000,"stats":{"inactive_file":1000}}}"#
        let decoder = JSONDecoder()
        #expect(try decoder.decode(WireContainerStats.self, from: Data(podman.utf8)).stats == ContainerStats(cpuTotalNanoseconds: 22_849_120, memoryBytes: 1_085_440))
        #expect(try decoder.decode(WireContainerStats.self, from: Data(docker.utf8)).stats == ContainerStats(cpuTotalNanoseconds: 5, memoryBytes: 8000))
    }

    @Test func containerInspectFromPodman() throws {
        let body = """
            {"Id":"d109","Created":"2026-11-22T00:05:29.273861769Z","Name":"/probe1",
             "Image":"sha256:aa5c","State":{"Status":"running","Running":true,"OOMKilled":false,"ExitCode":0,
             "Error":"","StartedAt":"2026-11-22T00:05:30.300819571Z","FinishedAt":"0001-01-01T00:00:00Z"},
             "Config":{"Image":"docker.io/library/busybox:latest","Labels":{"app":"web"},"Tty":false},
             "NetworkSettings":{"Ports":{"8080/tcp":[{"HostIp":"127.0.0.1","HostPort":"40123"}],"9090/tcp":null,"53/udp":[{"HostIp":"","HostPort":"5353"}]}}}
            """
        let details = ContainerDetails(wire: try JSONDecoder().decode(WireContainer.self, from: Data(body.utf8)))
        #expect(details.id == "d109")
        #expect(details.name == "probe1")
        #expect(details.image == "docker.io/library/busybox:latest")
        #expect(details.imageID == "sha256:aa5c")
        #expect(details.labels == ["app": "web"])
        #expect(details.hostPorts == [8080: 40123])
        #expect(details.state.running && details.state.status == "running")
        #expect(details.state.startedAt != nil)
        #expect(details.state.finishedAt == nil)
        #expect(details.createdAt != nil)
    }

    @Test func containerInspectWithNulls() throws {
        let body = #"{"Id":"x","State":{"Status":"created"},"Config":{"Labels":null},"NetworkSettings":{"Ports":null}}"#
        let details = ContainerDetails(wire: try JSONDecoder().decode(WireContainer.self, from: Data(body.utf8)))
        #expect(details.labels.isEmpty && details.hostPorts.isEmpty && details.name.isEmpty)
        #expect(details.state.status == "created" && !details.state.running)
    }

    @Test func dockerBindsBothAddressFamilies() {
        let ports: [String: [WirePortBinding]?] = ["80/tcp": [WirePortBinding(HostIp: "0.0.0.0", HostPort: "32768"), WirePortBinding(HostIp: "::", HostPort: "32768")]]
        #expect(ContainerDetails.hostPorts(ports) == [80: 32768])
    }

    @Test func eventFromPodman() throws {
        let line = #"{"status":"die","id":"d109","from":"busybox","Type":"container","Action":"die","Actor":{"ID":"d109","Attributes":{"containerExitCode":"3","exitCode":"3","name":"probe1","probe":"1"}},"scope":"local","time":1795305930,"timeNano":1795305930444821257}"#
        let event = try #require(EventDecoder.event(Array(line.utf8)))
        #expect(event.type == "container" && event.action == "die" && event.actorID == "d109")
        #expect(event.attributes["probe"] == "1")
        #expect(event.exitCode == 3)
        #expect(abs(event.time.timeIntervalSince1970 - 1_795_305_930.4448) < 0.001)
        #expect(EventDecoder.event(Array("not json".utf8)) == nil)
    }

    @Test func imageInspect() throws {
        let body = #"{"Id":"sha256:aa5c1b4aa96d0038c38ae311f70ee1e43ecc6c0e51c148969318c79d5ed43574","RepoTags":["localhost/app:v1"],"Created":"2026-11-22T00:03:15.778579492Z","Config":{"ExposedPorts":{"8080/tcp":{},"443/tcp":{},"53/udp":{}},"Labels":null}}"#
        let image = ImageDetails(wire: try JSONDecoder().decode(WireImage.self, from: Data(body.utf8)))
        #expect(image.id.hasPrefix("sha256:aa5c"))
        #expect(image.repoTags == ["localhost/app:v1"])
        #expect(image.exposedPorts == [443, 8080])
        #expect(image.created != nil)
    }

    @Test func containerSummary() throws {
        let body = #"[{"Id":"abc","Names":["/web-1"],"Image":"busybox","Labels":{"a":"b"},"State":"running","Status":"Up 2 seconds","Created":1795305929}]"#
        let list = try JSONDecoder().decode([WireContainerSummary].self, from: Data(body.utf8)).map(ContainerSummary.init(wire:))
        #expect(list == [ContainerSummary(id: "abc", names: ["web-1"], image: "busybox", labels: ["a": "b"], state: "running", status: "Up 2 seconds", created: Date(timeIntervalSince1970: 1_795_305_929))])
    }
}
