using System.Net;
using System.Net.Sockets;

namespace Embedded.Testing;

/// <summary>
/// A TCP proxy on a free loopback port that forwards each connection to a target port on 127.0.0.1,
/// for tests that break a network link without killing either end: <see cref="Cut"/> drops every
/// connection and refuses new ones (nothing listens on the port) until <see cref="Heal"/>.
/// <see cref="Blackhole"/> is a silent partition instead: every socket stays open, but no byte (nor a
/// close) passes either way until <see cref="Heal"/>, so each end can only notice by its own timeouts.
/// </summary>
public sealed class TcpProxy : IDisposable
{
    private readonly int _target;
    private readonly Lock _gate = new();
    private readonly HashSet<Socket> _sockets = [];
    private TcpListener? _listener;
    private bool _disposed;

    /// <summary>Completed while bytes flow; a pending one while blackholed.</summary>
    private TaskCompletionSource _flowing = Open();

    private TcpProxy(int target)
    {
        _target = target;
        Port = LoopbackPort.Free();
    }

    /// <summary>Where clients connect.</summary>
    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>Connections forwarded so far (each accepted one counts).</summary>
    public int Accepted { get; private set; }

    public static TcpProxy Start(int targetPort)
    {
        var proxy = new TcpProxy(targetPort);
        proxy.Heal();
        return proxy;
    }

    /// <summary>Drops every connection (with a reset) and stops listening, so that new ones are refused.</summary>
    public void Cut()
    {
        List<Socket> open;
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
            open = [.. _sockets];
            _sockets.Clear();
        }
        foreach (var socket in open) Reset(socket);
    }

    /// <summary>
    /// Stops forwarding in both directions without closing anything: what each side sends (its closes and
    /// resets too) waits in the proxy and the sockets' buffers, as behind a network that drops every packet.
    /// Connections are still accepted, and hang as well.
    /// </summary>
    public void Blackhole()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_flowing.Task.IsCompleted) _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Ends a blackhole (what waited passes now, in order) and listens again on the same port; a no-op on a healthy proxy.</summary>
    public void Heal()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _flowing.TrySetResult();
            if (_listener is not null) return;
            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            _listener = listener;
            _ = AcceptAsync(listener);
        }
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // Cut or disposed.
            }
            _ = ForwardAsync(listener, client);
        }
    }

    private async Task ForwardAsync(TcpListener listener, Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        lock (_gate)
        {
            if (_listener != listener)
            {
                // Accepted just before a cut: refuse it as the cut would have.
                Reset(client);
                server.Dispose();
                return;
            }
            _sockets.Add(client);
            _sockets.Add(server);
            Accepted++;
        }
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target).ConfigureAwait(false);
            await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client)).ConfigureAwait(false);
            await Flowing().ConfigureAwait(false); // a side's end, too, passes only when bytes would
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The target refused, or the link was cut.
        }
        lock (_gate)
        {
            _sockets.Remove(client);
            _sockets.Remove(server);
        }
        Reset(client);
        Reset(server);
    }

    private Task Flowing()
    {
        lock (_gate) return _flowing.Task;
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0) return;
                await Flowing().ConfigureAwait(false);
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Either side went away.
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST, as a broken network would look to the peer
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed already.
        }
        socket.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _flowing.TrySetResult(); // lets held pumps see their sockets gone
        }
        Cut();
    }
}
