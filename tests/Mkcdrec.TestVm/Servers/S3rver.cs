using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Mkcdrec.TestVm.Servers;

/// <summary>
/// s3rver (npm; .ci/install-deps puts it in /var/cache/mkcdrec-tools/s3rver) on a free loopback port with a data
/// directory of its own: the S3 REST API on disk, checking the key id and the request time of every request with its fixed key pair (not the signature itself: SigV4Tests checks that against AWS's published vectors).
/// Stopped and its directory removed on Dispose.
/// </summary>
public sealed partial class S3rver : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string Secret = "S3RVER";
    public const string Bucket = "mkcdrec-test";
    private const string Installed = "/var/cache/mkcdrec-tools/s3rver/node_modules/.bin/s3rver";

    private readonly Process _process;
    private readonly bool _ownsDirectory;

    /// <param name="restart">A stopped server to start again on its port and data (a store back after an outage).</param>
    /// <param name="roomBytes">The data directory on a tmpfs of this size (a store that fills up); null: no limit.</param>
    /// <param name="tls">Serve https with this certificate and key (PEM files); null: plain http.</param>
    public S3rver(S3rver? restart = null, long? roomBytes = null, (string Certificate, string Key)? tls = null)
    {
        var exe = Environment.GetEnvironmentVariable("MKCDREC_S3RVER") ?? Installed;
        if (!File.Exists(exe))
        {
            throw new InvalidOperationException($"s3rver is not installed at {exe}: run .ci/install-deps (it installs s3rver with npm) or set MKCDREC_S3RVER.");
        }

        _ownsDirectory = restart is null;
        Directory = restart?.Directory ?? System.IO.Directory.CreateTempSubdirectory("mkcdrec-s3rver-").FullName;
        if (roomBytes is { } room)
        {
            HostProcess.Checked("mount", "-t", "tmpfs", "-o", $"size={room}", "mkcdrec-s3rver", Directory);
            _mounted = true;
        }

        var port = restart is null ? "0" : restart.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] tlsArgs = tls is { } t ? ["--cert", t.Certificate, "--key", t.Key] : [];
        foreach (var a in new[] { "-d", Directory, "-a", "127.0.0.1", "-p", port, "--configure-bucket", Bucket }.Concat(tlsArgs))
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var line = _process.StandardOutput.ReadLine();
            if (line is null)
            {
                throw new InvalidOperationException("s3rver exited before listening: " + _process.StandardError.ReadToEnd());
            }

            var m = Listening().Match(line);
            if (m.Success)
            {
                Endpoint = new Uri($"{(tls is null ? "http" : "https")}://127.0.0.1:{m.Groups[1].Value}");
                _ = _process.StandardOutput.ReadToEndAsync();
                _ = _process.StandardError.ReadToEndAsync();
                return;
            }
        }

        throw new TimeoutException("s3rver did not listen within 60 s");
    }

    private readonly bool _mounted;

    public Uri Endpoint { get; } = null!;

    public string Directory { get; }

    /// <summary>An s3:// URL of the test bucket at this server (path style).</summary>
    public string Url(string prefix) => $"s3://{Bucket}/{prefix}?endpoint={Uri.EscapeDataString(Endpoint.AbsoluteUri.TrimEnd('/'))}";

    public void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        if (_mounted)
        {
            HostProcess.Run("umount", [Directory]);
        }

        if (_ownsDirectory && System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
