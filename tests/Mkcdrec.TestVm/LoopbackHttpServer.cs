using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mkcdrec.TestVm;

/// <summary>
/// A small HTTP/1.1 file server on 127.0.0.1 (a port the kernel picks; never another address) for tests that fetch a
/// backup: GET and HEAD of the files under <see cref="Root"/>, single "bytes=N-" / "bytes=N-M" ranges (206), 404 for
/// anything else, one request per connection. A QEMU guest with user networking reaches it as 10.0.2.2:<see cref="Port"/>.
/// Tests can break it on purpose with <see cref="Behaviour"/>: cut a body short (the header promises the full length),
/// answer with a status, or refuse ranges.
/// </summary>
public sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Thread _accept;
    private readonly List<Request> _requests = [];
    private long _bytesSent;
    private volatile bool _stopping;

    /// <summary>One request as the server saw it.</summary>
    /// <param name="Index">0 for the first request of this path, 1 for the second, …</param>
    public sealed record Request(string Method, string Path, string? Range, int Index);

    /// <summary>What to do instead of serving the file normally.</summary>
    /// <param name="Status">Answer with this status (and a short text body) instead of the file.</param>
    /// <param name="CutAfter">Send the headers for the whole body, then only this many body bytes, then close the connection.</param>
    /// <param name="IgnoreRange">Answer a range request with 200 and the whole file.</param>
    public sealed record Reply(int? Status = null, long? CutAfter = null, bool IgnoreRange = false);

    public LoopbackHttpServer(string root)
    {
        Root = Path.GetFullPath(root);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(64);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = new Thread(AcceptLoop) { IsBackground = true, Name = "loopback-http" };
        _accept.Start();
    }

    public string Root { get; }

    public int Port { get; }

    /// <summary>http://127.0.0.1:PORT/ + <paramref name="path"/>.</summary>
    public string Url(string path = "") => $"http://127.0.0.1:{Port}/{path.TrimStart('/')}";

    /// <summary>Decides per request (path relative to the root, e.g. "/backup/manifest.json") how to answer; null: normally.</summary>
    public Func<Request, Reply?>? Behaviour { get; set; }

    public IReadOnlyList<Request> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Body bytes sent so far.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            TcpClient c;
            try
            {
                c = _listener.AcceptTcpClient();
            }
            catch (Exception) when (_stopping)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            new Thread(() => Serve(c)) { IsBackground = true, Name = "loopback-http-conn" }.Start();
        }
    }

    private void Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                client.NoDelay = true;
                var s = client.GetStream();
                var head = ReadHead(s);
                if (head is null)
                {
                    return;
                }

                var lines = head.Split("\r\n");
                var first = lines[0].Split(' ');
                if (first.Length < 2)
                {
                    return;
                }

                var method = first[0];
                var path = Uri.UnescapeDataString(first[1].Split('?')[0]);
                string? range = lines.Skip(1).Select(l => l.Split(':', 2)).Where(kv => kv.Length == 2 && kv[0].Trim().Equals("Range", StringComparison.OrdinalIgnoreCase))
                    .Select(kv => kv[1].Trim()).FirstOrDefault();
                Request req;
                lock (_requests)
                {
                    req = new Request(method, path, range, _requests.Count(r => r.Path == path));
                    _requests.Add(req);
                }

                var reply = Behaviour?.Invoke(req);
                if (reply?.Status is { } status)
                {
                    Text(s, status, $"status {status} from the test server\n");
                    return;
                }

                var file = Path.GetFullPath(Path.Combine(Root, path.TrimStart('/')));
                if ((method != "GET" && method != "HEAD") || path.Contains("..", StringComparison.Ordinal) ||
                    !file.StartsWith(Root + "/", StringComparison.Ordinal) || !File.Exists(file))
                {
                    Text(s, method is "GET" or "HEAD" ? 404 : 405, "not found\n");
                    return;
                }

                using var f = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                long start = 0, end = f.Length - 1;
                var partial = false;
                if (range is not null && reply?.IgnoreRange != true && range.StartsWith("bytes=", StringComparison.Ordinal) && !range.Contains(',', StringComparison.Ordinal))
                {
                    var r = range["bytes=".Length..].Split('-');
                    if (long.TryParse(r[0], CultureInfo.InvariantCulture, out var a) && a >= 0)
                    {
                        if (a >= f.Length)
                        {
                            Head(s, 416, "Range Not Satisfiable", 0, $"Content-Range: bytes */{f.Length}\r\n");
                            return;
                        }

                        start = a;
                        if (r.Length > 1 && long.TryParse(r[1], CultureInfo.InvariantCulture, out var b) && b < end)
                        {
                            end = b;
                        }

                        partial = true;
                    }
                }

                var length = end - start + 1;
                Head(s, partial ? 206 : 200, partial ? "Partial Content" : "OK", length,
                    "Content-Type: application/octet-stream\r\n" + (partial ? $"Content-Range: bytes {start}-{end}/{f.Length}\r\n" : "") + "Accept-Ranges: bytes\r\n");
                if (method == "HEAD")
                {
                    return;
                }

                var send = reply?.CutAfter is { } cut ? Math.Min(cut, length) : length;
                f.Position = start;
                var buf = new byte[1 << 16];
                while (send > 0)
                {
                    var n = f.Read(buf, 0, (int)Math.Min(buf.Length, send));
                    if (n <= 0)
                    {
                        break;
                    }

                    s.Write(buf, 0, n);
                    Interlocked.Add(ref _bytesSent, n);
                    send -= n;
                }

                s.Flush();
                if (reply?.CutAfter is not null)
                {
                    client.Client.Shutdown(SocketShutdown.Both);
                }
            }
            catch (IOException)
            {
            }
            catch (SocketException)
            {
            }
        }
    }

    private static string? ReadHead(NetworkStream s)
    {
        var sb = new StringBuilder();
        var b = new byte[1];
        while (sb.Length < 16384)
        {
            if (s.Read(b, 0, 1) <= 0)
            {
                return null;
            }

            sb.Append((char)b[0]);
            if (sb.Length >= 4 && sb[^1] == '\n' && sb[^2] == '\r' && sb[^3] == '\n' && sb[^4] == '\r')
            {
                return sb.ToString(0, sb.Length - 4);
            }
        }

        return null;
    }

    private static void Head(NetworkStream s, int status, string reason, long length, string extra)
    {
        var h = $"HTTP/1.1 {status} {reason}\r\nContent-Length: {length}\r\n{extra}Connection: close\r\n\r\n";
        s.Write(Encoding.ASCII.GetBytes(h));
    }

    private static void Text(NetworkStream s, int status, string body)
    {
        var reason = status switch
        {
            404 => "Not Found",
            405 => "Method Not Allowed",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            403 => "Forbidden",
            _ => "Status",
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        Head(s, status, reason, bytes.Length, "Content-Type: text/plain\r\n");
        s.Write(bytes);
    }

    public void Dispose()
    {
        _stopping = true;
        _listener.Stop();
        _accept.Join(TimeSpan.FromSeconds(5));
    }
}
