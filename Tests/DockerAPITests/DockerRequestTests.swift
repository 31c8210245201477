import Foundation
import NIOCore
import Testing

@testable import DockerAPI

@Suite struct DockerRequestTests {
    static func json(_ data: Data) throws -> NSDictionary {
        try #require(JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test func listWithLabelFilters() throws {
        let request = try DockerRequest.listContainers(all: true, labelFilters: ["app=web", "managed"])
        #expect(request.method == .GET)
        #expect(request.uri == "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22app%3Dweb%22%2C%22managed%22%5D%7D")
        #expect(try DockerRequest.listContainers(all: false, labelFilters: []).uri == "/v1.41/containers/json?all=0")
    }

    @Test func eventFiltersAreSortedJSON() throws {
        let filters = try DockerRequest.filtersJSON(["type": ["container"], "label": ["app.kubernetes.io/managed-by=slipway"]])
        #expect(filters == #"{"label":["app.kubernetes.io/managed-by=slipway"],"type":["container"]}"#)
        let request = try DockerRequest.events(filters: ["event": ["die"]])
        #expect(request.uri == "/v1.41/events?filters=%7B%22event%22%3A%5B%22die%22%5D%7D")
        #expect(try DockerRequest.events(filters: [:]).uri == "/v1.41/events")
    }

    @Test func buildQuery() throws {
        let file = URL(fileURLWithPath: "/tmp/ctx.tar")
        let request = try DockerRequest.build(tag: "localhost/app:v1", dockerfile: "deploy/Dockerfile", labels: ["a": "b c"], contextTar: file)
        #expect(request.method == .POST)
        #expect(request.body == .tarFile(file))
        #expect(request.uri == "/v1.41/build?t=localhost%2Fapp%3Av1&dockerfile=deploy%2FDockerfile&nsoptions=%5B%7B%22Host%22%3Afalse%2C%22Name%22%3A%22network%22%7D%5D&labels=%7B%22a%22%3A%22b%20c%22%7D&rm=1&forcerm=1")
        #expect(!request.uri.contains("nocache"))
        #expect(try DockerRequest.build(tag: "x", dockerfile: "Dockerfile", labels: [:], contextTar: file).uri
                == "/v1.41/build?t=x&dockerfile=Dockerfile&nsoptions=%5B%7B%22Host%22%3Afalse%2C%22Name%22%3A%22network%22%7D%5D&rm=1&forcerm=1")
        // RUN steps on the app's network, never the host's: Docker reads networkmode, Podman nsoptions.
        let onNetwork = try DockerRequest.build(tag: "x", dockerfile: "Dockerfile", labels: [:], network: "slipway_shop", contextTar: file).uri
        #expect(onNetwork.contains("networkmode=slipway_shop&nsoptions=%5B%7B%22Host%22%3Afalse%2C%22Name%22%3A%22network%22%2C%22Path%22%3A%22slipway_shop%22%7D%5D"))
    }

    @Test("a build's RUN steps in a cgroup of the caller's choosing (so that they can be stopped)")
    func buildCgroupParent() throws {
        let uri = try DockerRequest.build(tag: "x", dockerfile: "Dockerfile", labels: [:], cgroupParent: "/slipway_build_abc_web.slice",
                                          contextTar: URL(fileURLWithPath: "/tmp/ctx.tar")).uri
        #expect(uri.contains("&cgroupparent=%2Fslipway_build_abc_web.slice&"), "\(uri)")
    }

    @Test("a file goes into a container owned by the user given, and one comes back out of an archive")
    func fileArchives() throws {
        let owner = try #require(FileOwner.named("redis", passwd: "root:x:0:0:root:/root:/bin/sh\nredis:x:100:101::/var/lib/redis:/usr/sbin/nologin\n"))
        #expect(owner == FileOwner(uid: 100, gid: 101))
        #expect(FileOwner.named("postgres", passwd: "root:x:0:0::/:/bin/sh\n") == nil)
        let archive = SingleFileTar.archive(name: "run/slipway/password", contents: Data("s3cret\n".utf8), owner: owner)
        #expect(archive.count == 512 * 4)
        #expect(String(decoding: archive[108..<115], as: UTF8.self) == "0000144" && String(decoding: archive[116..<123], as: UTF8.self) == "0000145")
        #expect(SingleFileTar.firstFile(in: archive) == Data("s3cret\n".utf8))
        #expect(SingleFileTar.firstFile(in: Data(count: 1024)) == nil)
    }

    @Test func pathsKeepReferencesReadable() {
        #expect(DockerRequest.inspectImage("localhost/app:v1").uri == "/v1.41/images/localhost/app:v1/json")
        #expect(DockerRequest.removeImage("app@sha256:abc", force: true).uri == "/v1.41/images/app@sha256:abc?force=1")
        #expect(DockerRequest.inspectContainer("my app?").uri == "/v1.41/containers/my%20app%3F/json")
        #expect(DockerRequest.stopContainer("abc", timeoutSeconds: 7).uri == "/v1.41/containers/abc/stop?t=7")
        #expect(DockerRequest.killContainer("abc", signal: "SIGTERM").uri == "/v1.41/containers/abc/kill?signal=SIGTERM")
        #expect(DockerRequest.removeContainer("abc", force: true).uri == "/v1.41/containers/abc?force=1&v=1")
        #expect(DockerRequest.containerStats("abc").uri == "/v1.41/containers/abc/stats?stream=false")
        #expect(DockerRequest.logs("abc", follow: true, tail: 100, timestamps: false).uri
            == "/v1.41/containers/abc/logs?stdout=1&stderr=1&follow=1&tail=100&timestamps=0")
        #expect(DockerRequest.logs("abc", follow: false, tail: nil, timestamps: true).uri
            == "/v1.41/containers/abc/logs?stdout=1&stderr=1&follow=0&tail=all&timestamps=1")
    }

    @Test func createContainerBody() throws {
        let spec = ContainerSpec(
            image: "busybox", command: ["httpd", "-f"], environment: ["B": "2", "A": "x=y"], labels: ["app": "web"],
            publishedPorts: [8080], stopTimeoutSeconds: 5, workingDirectory: "/www"
        )
        let request = try DockerRequest.createContainer(name: "web-1", spec: spec)
        #expect(request.uri == "/v1.41/containers/create?name=web-1")
        guard case .json(let data) = request.body else {
            Issue.record("expected a JSON body")
            return
        }
        let body = try Self.json(data)
        #expect(body["Image"] as? String == "busybox")
        #expect(body["Cmd"] as? [String] == ["httpd", "-f"])
        #expect(body["Env"] as? [String] == ["A=x=y", "B=2"])
        #expect(body["Labels"] as? [String: String] == ["app": "web"])
        #expect(body["StopTimeout"] as? Int == 5)
        #expect(body["WorkingDir"] as? String == "/www")
        #expect((body["ExposedPorts"] as? NSDictionary)?.allKeys as? [String] == ["8080/tcp"])
        let hostConfig = try #require(body["HostConfig"] as? NSDictionary)
        #expect(hostConfig["Init"] as? Bool == true)
        let bindings = try #require((hostConfig["PortBindings"] as? NSDictionary)?["8080/tcp"] as? [[String: String]])
        #expect(bindings == [["HostIp": "127.0.0.1", "HostPort": ""]])

        let minimal = try DockerRequest.createContainer(name: nil, spec: ContainerSpec(image: "busybox", useInit: false))
        #expect(minimal.uri == "/v1.41/containers/create")
        guard case .json(let minimalData) = minimal.body else { return }
        let minimalBody = try Self.json(minimalData)
        #expect(minimalBody["Cmd"] == nil)
        #expect(minimalBody["StopTimeout"] == nil)
        #expect((minimalBody["HostConfig"] as? NSDictionary)?["Init"] as? Bool == false)
    }

    @Test func errorBodies() {
        let podman = #"{"cause":"no such container","message":"no container with name or ID \"x\" found: no such container","response":404}"#
        let error = DockerClient.apiError(status: 404, reason: "Not Found", body: ByteBuffer(string: podman))
        #expect(error == DockerAPIError(statusCode: 404, message: #"no container with name or ID "x" found: no such container"#))
        #expect(error.isNotFound)
        #expect(error.description.contains("404"))
        #expect(DockerClient.apiError(status: 500, reason: "Internal Server Error", body: ByteBuffer(string: "boom\n")).message == "boom")
        #expect(DockerClient.apiError(status: 409, reason: "Conflict", body: nil) == DockerAPIError(statusCode: 409, message: "Conflict"))
    }
}
