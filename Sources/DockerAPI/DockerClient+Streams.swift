import AsyncHTTPClient
import Foundation
import Logging

extension DockerClient {
    /// `GET /containers/{id}/logs`, one `LogLine` per line of output.
    ///
    /// With `follow` the stream stays open until the container stops (or the consumer stops
    /// iterating); without it, it ends after the stored output. `tail` nil means all lines.
    /// `tty`: whether the container has a TTY, when the caller knows (else it is inspected:
    /// only containers without one get the multiplexed format).
    /// The request is sent when iteration starts; a missing container throws `isNotFound`
    /// from the stream.
    public func logs(_ id: String, follow: Bool, tail: Int?, timestamps: Bool, since: Date? = nil,
                     until: Date? = nil, tty: Bool? = nil) -> AsyncThrowingStream<LogLine, any Error> {
        let client = self
        let reader = ResponseStream<LogFrameDecoder> {
            // The response's content type does not say which format it is (Podman sends
            // application/octet-stream either way).
            var hasTTY = tty
            if hasTTY == nil {
                guard let details = try await client.inspectContainer(id) else {
                    throw DockerAPIError(statusCode: 404, message: "no such container: \(id)")
                }
                hasTTY = details.tty
            }
            let decoder = LogFrameDecoder(mode: hasTTY == true ? .raw : .multiplexed, timestamps: timestamps)
            let response = try await client.send(.logs(id, follow: follow, tail: tail, timestamps: timestamps, since: since, until: until),
                                                 timeout: nil)
            return (response, decoder)
        }
        return reader.makeStream()
    }

    /// `POST /containers/{id}/attach` for output only: lines as the container writes them from now
    /// on, with no polling in between (an engine's `logs?follow` may poll its log file: Podman's
    /// does every 250 ms). Lines carry no timestamp. Ends when the container stops. (No `logs=1`
    /// replay: Podman sends the replayed part without the stream framing.)
    public func attachOutput(_ id: String) -> AsyncThrowingStream<LogLine, any Error> {
        let client = self
        let reader = ResponseStream<LogFrameDecoder> {
            guard let details = try await client.inspectContainer(id) else {
                throw DockerAPIError(statusCode: 404, message: "no such container: \(id)")
            }
            let decoder = LogFrameDecoder(mode: details.tty ? .raw : .multiplexed, timestamps: false)
            return (try await client.send(.attachOutput(id), timeout: nil), decoder)
        }
        return reader.makeStream()
    }

    /// `GET /events` from now on, for as long as the consumer iterates.
    ///
    /// `filters` use the engine's names, e.g. `["type": ["container"], "label": ["a=b"],
    /// "event": ["die", "oom"]]`. The stream never ends by itself; if the connection drops
    /// (engine restarted) it ends or throws, and the caller re-subscribes and re-lists state.
    public func events(filters: [String: [String]]) -> AsyncThrowingStream<DockerEvent, any Error> {
        let client = self
        let request: DockerRequest
        do {
            request = try .events(filters: filters)
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        let reader = ResponseStream<EventDecoder> {
            (try await client.send(request, timeout: nil), EventDecoder())
        }
        return reader.makeStream()
    }
}
