using System.Diagnostics;
using System.Text;
namespace Mkcdrec.TestVm.Serve;

/// <summary><c>mkcdrec serve</c> running in the segment's namespace, its output collected; stopped by SIGTERM as an admin's Ctrl-C would.</summary>
public sealed class ServeProcess : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new();

    public ServeProcess(string networkNamespace, IEnumerable<string> serveArguments)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", networkNamespace, RepoPaths.MkcdrecBinary, "serve" }.Concat(serveArguments))
        {
            psi.ArgumentList.Add(a);
        }

        _p = Process.Start(psi)!;
        _p.OutputDataReceived += (_, e) => Append(e.Data);
        _p.ErrorDataReceived += (_, e) => Append(e.Data);
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    /// <summary>Waits for <paramref name="text"/> in serve's output; false when serve ended or the time ran out.</summary>
    public bool WaitFor(string text, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_p.HasExited || sw.Elapsed > timeout)
            {
                return Output.Contains(text, StringComparison.Ordinal);
            }

            Thread.Sleep(200);
        }

        return true;
    }

    /// <summary>SIGTERM (ip netns exec became mkcdrec itself), then its exit code.</summary>
    public int Stop()
    {
        HostProcess.Run("kill", ["-TERM", _p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (!_p.WaitForExit(30_000))
        {
            _p.Kill(entireProcessTree: true);
            _p.WaitForExit();
        }

        _p.WaitForExit(); // the output readers are done
        return _p.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_out)
            {
                _out.Append(line).Append('\n');
            }
        }
    }

    public void Dispose()
    {
        if (!_p.HasExited)
        {
            Stop();
        }

        _p.Dispose();
    }
}
