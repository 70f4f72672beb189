using System.Diagnostics;
using System.Text;

namespace Mkcdrec.TestVm;

/// <summary>
/// The cached Debian 12 guest image (testvm/build-image.sh): built on first use when missing, then reused
/// from /var/cache/mkcdrec-testvm/&lt;hash of its inputs&gt;/ by every run.
/// </summary>
public static class GuestImage
{
    private static readonly Lock Gate = new();
    private static string? _dir;

    /// <summary>How long this process spent building the image (null when it was already cached).</summary>
    public static TimeSpan? BuildTime { get; private set; }

    /// <summary>Returns the image directory, building the image first if needed (minutes; needs root and the Debian mirror).</summary>
    public static string Ensure(Action<string>? log = null)
    {
        lock (Gate)
        {
            if (_dir is not null)
            {
                return _dir;
            }

            log ??= Console.Error.WriteLine;
            var script = Path.Combine(RepoPaths.TestVmDir, "build-image.sh");
            var probe = RunScript(script, ["--print"], null);
            if (probe.ExitCode == 0)
            {
                return _dir = LastLine(probe.Stdout);
            }

            log($"testvm: building the guest image ({LastLine(probe.Stdout)}); this takes a few minutes, once");
            var sw = Stopwatch.StartNew();
            var build = RunScript(script, [], line => log("testvm: " + line));
            sw.Stop();
            if (build.ExitCode != 0)
            {
                throw new TestVmException(
                    $"testvm/build-image.sh failed with exit code {build.ExitCode}:\n{GuestResult.Tail(build.Stderr, 3000)}\n" +
                    "It needs root, debootstrap and the Debian mirror; its log is build.log in the temporary build directory it names.");
            }

            BuildTime = sw.Elapsed;
            _dir = LastLine(build.Stdout);
            log($"testvm: guest image built in {sw.Elapsed.TotalSeconds:F0} s: {_dir}");
            return _dir;
        }
    }

    private static string LastLine(string s) => s.TrimEnd().Split('\n')[^1].Trim();

    private static (int ExitCode, string Stdout, string Stderr) RunScript(string script, string[] args, Action<string>? onStderrLine)
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new TestVmException("cannot start bash");
        var err = new StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (err)
            {
                err.AppendLine(e.Data);
            }

            onStderrLine?.Invoke(e.Data);
        };
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        lock (err)
        {
            return (p.ExitCode, stdout, err.ToString());
        }
    }
}
