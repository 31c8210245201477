import SlipwayCore
import Testing

@Suite("Procfile")
struct ProcfileTests {
    @Test("process types in order, comments and blank lines ignored, release apart")
    func parses() throws {
        let procfile = try Procfile.parse("""
            # The app's processes
            web: gunicorn app:app --bind 0.0.0.0:$PORT

              worker:python worker.py --queue=default
            release: python manage.py migrate\r
            clock-2: ./clock   # not a comment: part of the command
            """)
        #expect(procfile.processes.map(\.name.value) == ["web", "worker", "clock-2"])
        #expect(procfile.processes.map(\.command) == [
            "gunicorn app:app --bind 0.0.0.0:$PORT", "python worker.py --queue=default", "./clock   # not a comment: part of the command",
        ])
        #expect(procfile.release == "python manage.py migrate")
        #expect(procfile.webCommand == "gunicorn app:app --bind 0.0.0.0:$PORT")
    }

    @Test("each process type becomes a service run through /bin/sh -c; only web is routed")
    func appSpec() throws {
        let spec = try Procfile.parse("web: ./server\nworker: ./jobs run\nrelease: ./migrate\n").appSpec(dockerfile: ".slipway/Dockerfile")
        #expect(spec.services.map(\.name.value) == ["web", "worker"])
        #expect(spec.services.map(\.command) == [["/bin/sh", "-c", "./server"], ["/bin/sh", "-c", "./jobs run"]])
        #expect(spec.services.map(\.routed) == [true, false])
        #expect(spec.services.map(\.replicas) == [1, 1])
        #expect(spec.services.allSatisfy { $0.dockerfile == ".slipway/Dockerfile" && $0.port == nil })
        #expect(spec.releaseCommand == ["/bin/sh", "-c", "./migrate"])
        #expect(spec.defaultService?.value == "web")
    }

    @Test("an empty Procfile or one with only comments has no process types")
    func empty() throws {
        #expect(try Procfile.parse("") == Procfile(processes: []))
        #expect(try Procfile.parse("# nothing yet\n\n").processes.isEmpty)
        #expect(try Procfile.parse("release: ./migrate").appSpec(dockerfile: "Dockerfile").services.isEmpty)
    }

    @Test("bad lines are refused with the line number and what to write", arguments: [
        ("web: ./a\nworker ./jobs", "Procfile line 2 (`worker ./jobs`): expected `TYPE: command`"),
        ("Web: ./server", "Procfile line 1 (`Web: ./server`): process type \"Web\""),
        ("my_worker: ./jobs", "process type \"my_worker\""),
        (": ./server", "Procfile line 1"),
        ("web:", "process type \"web\" has no command"),
        ("web: ./a\n\n# again\nweb: ./b", "Procfile line 4 (`web: ./b`): process type \"web\" is defined twice"),
        ("release: ./a\nrelease: ./b", "process type \"release\" is defined twice"),
    ])
    func errors(text: String, expected: String) throws {
        let error = #expect(throws: SlipwayError.self) { try Procfile.parse(text) }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error")")
        #expect(error?.code == "invalid_manifest")
    }
}
