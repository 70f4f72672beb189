using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Mkcdrec.TestVm.Servers;

/// <summary>
/// <c>openssl s_server -WWW</c>: a real TLS server (OpenSSL's) on 127.0.0.1 and a port the kernel picks, serving the files
/// under <paramref name="root"/> by their relative path (HTTP/1.0, whole files only, one connection at a time). It answers
/// a missing file with 200 and an error text, so serve only what exists. Killed on Dispose.
/// </summary>
public sealed partial class OpensslWwwServer : IDisposable
{
    private readonly Process _process;

    public OpensslWwwServer(string root, string certificate, string key)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "s_server", "-accept", "127.0.0.1:0", "-cert", certificate, "-key", key, "-WWW" })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _ = _process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Match m;
        do
        {
            // First "Using default temp DH parameters", then "ACCEPT 127.0.0.1:PORT".
            var line = _process.StandardOutput.ReadLineAsync();
            if (!line.Wait(deadline - DateTime.UtcNow > TimeSpan.Zero ? deadline - DateTime.UtcNow : TimeSpan.Zero) || line.Result is not { } text)
            {
                Dispose();
                throw new TestVmException("openssl s_server did not say where it listens (ACCEPT 127.0.0.1:PORT)");
            }

            m = Accept().Match(text);
        }
        while (!m.Success);

        Port = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        _ = _process.StandardOutput.ReadToEndAsync();
    }

    public int Port { get; }

    /// <summary>https://HOST:PORT/ + <paramref name="path"/> (HOST: 127.0.0.1, or localhost for a name the certificate may not list).</summary>
    public string Url(string path, string host = "127.0.0.1") => $"https://{host}:{Port}/{path.TrimStart('/')}";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    [GeneratedRegex(@"^ACCEPT 127\.0\.0\.1:(\d+)")]
    private static partial Regex Accept();
}
