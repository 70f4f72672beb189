using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;

namespace Mkcdrec.Core.Serve;

/// <summary>What one HTTP request of a client fetched: its address, the path, the bytes sent (a range counts its length).</summary>
public sealed record ServedRequest(string Client, string Path, long Bytes, int Status);

/// <summary>
/// serve's HTTP server, on the chosen interface's address only: /vmlinuz and /initrd.img of the netboot rescue system,
/// and /backup/… the backup directory, read-only (GET and HEAD, one byte range for a resumed download). Nothing else:
/// no listing, no dot files (a backup still being written), no path out of the two roots. One POST: /report, where a
/// rescue system started by serve says its phase (a short line; nothing is stored but the log line).
/// </summary>
public sealed class ServeHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _netbootDir;
    private readonly string _backupDir;
    private readonly Action<ServedRequest> _served;
    private readonly Action<string, string>? _reported;
    private readonly Task _loop;

    /// <param name="reported">A client's address and the phase it reported (POST /report), printable and at most 120 characters.</param>
    public ServeHttpServer(string address, int port, string netbootDir, string backupDir, Action<ServedRequest> served, Action<string, string>? reported = null)
    {
        _reported = reported;
        _netbootDir = Path.GetFullPath(netbootDir);
        _backupDir = Path.GetFullPath(backupDir);
        _served = served;
        _listener.Prefixes.Add(string.Create(CultureInfo.InvariantCulture, $"http://{address}:{port}/"));
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            throw new MkcdrecException(ExitCode.Environment, $"Cannot serve HTTP on {address}:{port}: {e.Message}.",
                "Choose a free port with --port, or stop what listens there.");
        }

        _loop = Task.Run(Loop);
    }

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            _ = Task.Run(() => Answer(ctx));
        }
    }

    private async Task Answer(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var res = ctx.Response;
        string? path = req.Url?.AbsolutePath ?? "/";
        var sent = new StrongBox<long>(); // counted as it goes: a client that goes away mid-file is counted for what it got
        try
        {
            if (req.HttpMethod == "POST" && path == "/report" && _reported is not null)
            {
                res.StatusCode = await Report(req).ConfigureAwait(false);
                path = null; // a report is no file served
                return;
            }

            var file = req.HttpMethod is "GET" or "HEAD" ? Resolve(Uri.UnescapeDataString(path!)) : null;
            if (file is null)
            {
                res.StatusCode = req.HttpMethod is "GET" or "HEAD" ? 404 : 405;
                return;
            }

            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            var (from, length) = Range(req.Headers["Range"], stream.Length);
            if (length < 0)
            {
                res.StatusCode = 416;
                res.AddHeader("Content-Range", $"bytes */{stream.Length}");
                return;
            }

            if (from > 0 || length < stream.Length)
            {
                res.StatusCode = 206;
                res.AddHeader("Content-Range", string.Create(CultureInfo.InvariantCulture, $"bytes {from}-{from + length - 1}/{stream.Length}"));
            }

            res.AddHeader("Accept-Ranges", "bytes");
            res.ContentType = "application/octet-stream";
            res.ContentLength64 = length;
            if (req.HttpMethod == "GET")
            {
                stream.Position = from;
                await Copy(stream, res.OutputStream, length, sent).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or HttpListenerException or UnauthorizedAccessException)
        {
            // A file it could not read is a 500; once the headers went out (a client gone mid-file) the status stays.
            if (res.StatusCode == 200 && sent.Value == 0)
            {
                TrySetStatus(res, 500);
            }
        }
        finally
        {
            if (path is not null)
            {
                _served(new ServedRequest(req.RemoteEndPoint.Address.ToString(), path, sent.Value, res.StatusCode));
            }

            try
            {
                res.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // the client is gone
            }
        }
    }

    private async Task<int> Report(HttpListenerRequest req)
    {
        var body = new byte[513];
        var n = 0;
        int got;
        while (n < body.Length && (got = await req.InputStream.ReadAsync(body.AsMemory(n)).ConfigureAwait(false)) > 0)
        {
            n += got;
        }

        var text = System.Text.Encoding.UTF8.GetString(body, 0, n);
        if (n > 512 || !text.StartsWith("phase=", StringComparison.Ordinal))
        {
            return 400;
        }

        var phase = new string([.. Uri.UnescapeDataString(text["phase=".Length..].Replace('+', ' ')).Where(c => c is >= ' ' and <= '~').Take(120)]);
        _reported!(req.RemoteEndPoint.Address.ToString(), phase);
        return 204;
    }

    /// <summary>The file a URL path names, or null: only /vmlinuz, /initrd.img and regular files under /backup/ without dot names.</summary>
    public string? Resolve(string urlPath)
    {
        if (urlPath is "/vmlinuz" or "/initrd.img")
        {
            var file = Path.Combine(_netbootDir, urlPath[1..]);
            return File.Exists(file) ? file : null;
        }

        if (!urlPath.StartsWith("/backup/", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = urlPath["/backup/".Length..].Split('/');
        if (parts.Any(p => p.Length == 0 || p[0] == '.' || p.Contains('\\', StringComparison.Ordinal)))
        {
            return null;
        }

        var full = Path.GetFullPath(Path.Combine([_backupDir, .. parts]));
        return full.StartsWith(_backupDir + "/", StringComparison.Ordinal) && File.Exists(full) ? full : null;
    }

    /// <summary>One "bytes=A-B", "bytes=A-" or "bytes=-N" range; the whole file without one; length -1 when unsatisfiable.</summary>
    public static (long From, long Length) Range(string? header, long size)
    {
        if (header is null || !header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(',', StringComparison.Ordinal))
        {
            return (0, size);
        }

        var spec = header["bytes=".Length..].Split('-', 2);
        var ok1 = long.TryParse(spec[0], NumberStyles.None, CultureInfo.InvariantCulture, out var a);
        var ok2 = long.TryParse(spec[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b);
        if (!ok1 && ok2)
        {
            return b == 0 ? (0, -1) : (Math.Max(0, size - b), Math.Min(b, size));
        }

        if (!ok1 || a >= size || (ok2 && b < a))
        {
            return (0, -1);
        }

        return (a, (ok2 ? Math.Min(b, size - 1) : size - 1) - a + 1);
    }

    private static void TrySetStatus(HttpListenerResponse res, int code)
    {
        try
        {
            res.StatusCode = code;
        }
        catch (InvalidOperationException)
        {
            // the headers were sent: the status stays
        }
    }

    private static async Task Copy(Stream from, Stream to, long length, StrongBox<long> done)
    {
        var buffer = new byte[1 << 20];
        while (done.Value < length)
        {
            var n = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done.Value))).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            await to.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
            done.Value += n;
        }
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // stopped while waiting for a request
        }
    }
}
