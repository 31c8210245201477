import Foundation
import Hummingbird
import SlipwayTestSupport
import Testing

/// openapi.yaml against the server: every route the router serves is documented, every documented
/// operation is served, and every documented status of every operation is provoked by a request
/// (`APIProvocations`) and answered, with the documented JSON fields.
@Suite("OpenAPI contract")
struct OpenAPIContractTests {
    @Test("the router serves exactly the documented paths and methods")
    func routesAreDocumented() async throws {
        let document = try await OpenAPIDocument.served()
        let documented = Set(document.operations.map { OpenAPIDocument.normalized($0.key) })
        try await InProcessServer.with { server in
            let served = Set(server.routes.map(OpenAPIDocument.normalized))
            #expect(served.subtracting(documented).isEmpty, "served but not in openapi.yaml: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "in openapi.yaml but not served: \(documented.subtracting(served).sorted())")
        }
    }

    @Test("every documented status has a request that provokes it, and every provoked status is documented")
    func provocationsMatchTheDocument() async throws {
        let document = try await OpenAPIDocument.served()
        let documented = Set(document.operations.flatMap { operation in operation.statuses.map { "\(operation.key) \($0)" } })
        let provoked = Set(APIProvocations.all.keys).union(APIProvocations.notProvoked.keys)
        #expect(documented.subtracting(provoked).isEmpty, "documented, no test provokes it: \(documented.subtracting(provoked).sorted())")
        #expect(provoked.subtracting(documented).isEmpty, "provoked, not documented: \(provoked.subtracting(documented).sorted())")
    }

    @Test("each documented operation answers each of its documented statuses", arguments: APIProvocations.operations)
    func operationAnswers(_ operation: String) async throws {
        let document = try await OpenAPIDocument.served()
        try await InProcessServer.with(configure: APIProvocations.configure) { server in
            let seed = try await APIProvocations.seed(server)
            // Requests that change the app go last, so the others see the seeded state.
            let cases = APIProvocations.all.filter { $0.key.hasPrefix(operation + " ") }.sorted { $0.value.changesState == $1.value.changesState ? $0.key < $1.key : !$0.value.changesState }
            for (key, provocation) in cases {
                let answer = try await provocation.send(to: server, seed: seed)
                let status = Int(key.split(separator: " ").last ?? "") ?? 0
                #expect(answer.status == status, "\(key): answered \(answer.status) \(answer.body.prefix(300))")
                if status >= 400 {
                    #expect(answer.errorCode != nil && !(answer.errorMessage ?? "").isEmpty, "\(key): not an error body: \(answer.body.prefix(300))")
                } else if answer.headers[.contentType] == "application/json", let required = document.requiredFields(operation, status: status) {
                    let object = answer.json ?? [:]
                    #expect(required.allSatisfy { object[$0] != nil }, "\(key): lacks some of \(required): \(answer.body.prefix(300))")
                }
            }
        }
    }

    @Test("hostile input on any operation gets one of its documented statuses, never a 5xx", arguments: APIProvocations.operations)
    func hostileInput(_ operation: String) async throws {
        let document = try await OpenAPIDocument.served()
        let statuses = Set(try #require(document.operations.first { $0.key == operation }).statuses.compactMap(Int.init))
        try await InProcessServer.with(configure: APIProvocations.configure) { server in
            let seed = try await APIProvocations.seed(server)
            for provocation in APIProvocations.hostile(operation) {
                let answer = try await provocation.send(to: server, seed: seed)
                #expect(statuses.contains(answer.status) || answer.status == 401,
                        "\(operation) with \(provocation.path.prefix(80)) \(provocation.body?.prefix(80) ?? ""): undocumented \(answer.status) \(answer.body.prefix(200))")
                #expect(answer.status < 500, "\(operation): \(answer.status) \(answer.body.prefix(200))")
            }
        }
    }
}
