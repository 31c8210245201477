import NIOCore
import NIOSSH

/// What a session asked to run, once it asked.
enum SessionStart: Sendable {
    case exec(String, environment: [String: String])
    case shell
}

/// The policy for a session channel's requests, before anything runs: one exec or shell request
/// starts the session (both are accepted, so the client reads the refusal of a non-git command on
/// its standard error with exit status 1, rather than a bare "exec request failed"); a pseudo
/// terminal, a subsystem (sftp), X11 or agent forwarding and any variable but `GIT_PROTOCOL` are
/// refused outright. A second command on the same channel is refused too.
final class SessionRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = SSHChannelData
    typealias InboundOut = SSHChannelData

    private let start: EventLoopPromise<SessionStart>
    private var started = false
    private var environment: [String: String] = [:]

    init(start: EventLoopPromise<SessionStart>) {
        self.start = start
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.ExecRequest:
            begin(.exec(request.command, environment: environment), wantReply: request.wantReply, context: context)
        case let request as SSHChannelRequestEvent.ShellRequest:
            begin(.shell, wantReply: request.wantReply, context: context)
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            // git sends GIT_PROTOCOL=version=2 (SendEnv) to ask for protocol v2 on fetches.
            let accepted = !started && request.name == "GIT_PROTOCOL" && request.value.utf8.count <= 64
                && request.value.utf8.allSatisfy { $0 >= 0x21 && $0 < 0x7f && $0 != UInt8(ascii: "'") }
            if accepted { environment[request.name] = request.value }
            reply(request.wantReply, success: accepted, context: context)
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            reply(request.wantReply, success: false, context: context)
        case let request as SSHChannelRequestEvent.SubsystemRequest:
            reply(request.wantReply, success: false, context: context)
        default:
            // Half-closure (the client's EOF) and the rest go on to the session's reader.
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func begin(_ what: SessionStart, wantReply: Bool, context: ChannelHandlerContext) {
        guard !started else {
            reply(wantReply, success: false, context: context)
            return
        }
        started = true
        reply(wantReply, success: true, context: context)
        start.succeed(what)
    }

    private func reply(_ wantReply: Bool, success: Bool, context: ChannelHandlerContext) {
        guard wantReply else { return }
        if success {
            context.triggerUserOutboundEvent(ChannelSuccessEvent(), promise: nil)
        } else {
            context.triggerUserOutboundEvent(ChannelFailureEvent(), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        abandon()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        abandon()
    }

    /// The channel went before it asked for anything: nothing will run.
    private func abandon() {
        guard !started else { return }
        started = true
        start.fail(ChannelError.ioOnClosedChannel)
    }
}
