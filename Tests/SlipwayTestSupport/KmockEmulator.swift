import Commands
import Foundation
import TestPorts

/// The kmock Kubernetes API emulator (PyPI `kmock`, in the venv scripts/setup.sh makes),
/// started from a Python script on a free port of 127.0.0.1. See
/// ../shared/KUBERNETES-TESTING.md for what it does and does not emulate.
package final class KmockEmulator: Sendable {
    package static let python = ProcessInfo.processInfo.environment["SLIPWAY_PYTHON"] ?? "/opt/slipway-py/bin/python"

    let process: BackgroundCommand
    let directory: String
    package let port: Int
    package var url: String { "http://127.0.0.1:\(port)" }

    /// Fails (does not skip) with what to do when the venv or kmock is missing.
    package static func start() async throws -> KmockEmulator {
        try UnitSuite.refuse("the kmock emulator")
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("no Python venv at \(python); run `bash scripts/setup.sh` (it installs kmock into /opt/slipway-py)")
        }
        do {
            try await Tools.run(python, ["-c", "import kmock"])
        } catch {
            throw TestFailure("kmock is not installed in \(python): \(error); run `bash scripts/setup.sh`")
        }
        let directory = NSTemporaryDirectory() + "kmock-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(script.utf8).write(to: URL(fileURLWithPath: "\(directory)/kmock_server.py"))
        let log = "\(directory)/kmock.log"
        let process = try await BackgroundCommand.start(
            Command(python, ["\(directory)/kmock_server.py", "\(directory)/port", String(try TestPorts.next())]), log: log)

        // Poll with a deadline: the port file appears once the server listens.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: "\(directory)/port", encoding: .utf8), let port = Int(text) {
                return KmockEmulator(process: process, directory: directory, port: port)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        await process.kill()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: directory)
        throw TestFailure("kmock did not start within 30 s: \(output.suffix(2000))")
    }

    private init(process: BackgroundCommand, directory: String, port: Int) {
        self.process = process
        self.directory = directory
        self.port = port
    }

    /// From now on, every PATCH (server-side apply, dry run or not) of a path containing
    /// `pathPart` is refused with a Status body, as an API server refuses for RBAC (403) or
    /// admission (422). Replaces earlier refusals; `[:]` ends them.
    package func refuse(_ refusals: [String: (code: Int, reason: String, message: String)]) throws {
        let rules = refusals.mapValues { [$0.code, $0.reason, $0.message] as [Any] }
        let data = try JSONSerialization.data(withJSONObject: rules)
        try data.write(to: URL(fileURLWithPath: "\(directory)/refusals.json"), options: .atomic)
    }

    package func stop() {
        // SIGTERM to its process group; the run reaps it in the background.
        process.terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let script = #"""
"""The kmock Kubernetes API emulator on a free port of 127.0.0.1, for the Kubernetes tests.

Usage: python kmock_server.py PORT_FILE -- writes the port it listens on to PORT_FILE, then
serves until killed. Two gaps of kmock 0.8 are closed so the client's real requests work:
- Namespace objects (`/api/v1/namespaces/NAME`) are addressable (kmock reads NAME as a
  namespace prefix);
- server-side apply (PATCH application/apply-patch+yaml) of a missing object creates it,
  as a real API server does (kmock answers 404): ADDED, then kmock's own MODIFIED;
- a dry run (`dryRun=All`) stores nothing: it answers with the object sent;
- refusals the test writes to refusals.json beside PORT_FILE ({"path part": [code, reason,
  message]}) answer a PATCH of a matching path with a Status, as RBAC or admission would.
"""
import asyncio
import json
import os
import signal
import sys

import aiohttp.web
import kmock
from kmock._internal import enums, parsing

_parse_path = parsing.parse_path


def parse_path(path):
    parts = path.strip('/').split('/')
    # Only the Namespace itself (and its status/finalize subresources): /api/v1/namespaces/NS/secrets
    # is a namespaced collection, which kmock parses right.
    if parts[:3] == ['api', 'v1', 'namespaces'] and (len(parts) <= 4 or (len(parts) == 5 and parts[4] in ('status', 'finalize'))):
        name = parts[3] if len(parts) > 3 else None
        subresource = parts[4] if len(parts) > 4 else None
        return parsing.ParsedPath('', 'v1', 'namespaces', None, name, subresource)
    return _parse_path(path)


parsing.parse_path = parse_path


def refusal(path):
    try:
        with open(os.path.join(os.path.dirname(sys.argv[1]), 'refusals.json')) as f:
            rules = json.load(f)
    except FileNotFoundError:
        return None
    return next((rule for part, rule in rules.items() if part in path), None)


class Emulator(kmock.KubernetesEmulator):
    async def _handle(self, request):
        if request.method == enums.method.PATCH:
            refused = refusal(request.url.path)
            if refused is not None:
                code, reason, message = refused
                return aiohttp.web.json_response({'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
                                                  'message': message, 'reason': reason, 'code': code}, status=code)
            if request.params.get('dryRun') == 'All':
                return aiohttp.web.json_response(request.data)
        content_type = request.headers.get('Content-Type', '')
        if request.action == enums.action.UPDATE and content_type.startswith('application/apply-patch'):
            key = (request.resource, request.namespace, request.name)
            async with self._lock:
                if key not in self._objects:
                    self._objects[key] = request.data
                elif self._objects[key].deleted:
                    self._objects[key].create(request.data)
                else:
                    key = None
                if key is not None:
                    raw = self._objects[key].last.raw
                    await self._buses[request.resource].put({'type': 'ADDED', 'object': raw})
        # Then as kmock's PATCH: merges the body into the object (MODIFIED) and returns it.
        return await super()._handle(request)


async def main(port_file, port):
    # The test process may start us with SIGTERM blocked; take the default action back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    async with Emulator() as emulator, kmock.Server(emulator, host='127.0.0.1', port=port) as server:
        emulator.resources.load_bundled()
        with open(port_file + '.tmp', 'w') as f:
            f.write(str(server.port))
        import os
        os.rename(port_file + '.tmp', port_file)
        await asyncio.Event().wait()


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""#
}
