using System.Diagnostics;
using System.Text;
using Mkcdrec.Core;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Platform.Linux;

/// <summary>Runs programs directly (no shell), with LC_ALL=C, logging every command line, exit code and timing.</summary>
public sealed class ProcessRunner : IProcessRunner, IPipedProcessStarter
{
    private readonly ILog _log;

    public ProcessRunner(ILog log) => _log = log;

    public bool CanRun(string program) => Resolve(program) is not null;

    public IPipedProcess Start(ProcessRequest request) => new PipedProcess(request, _log);

    public static string? Resolve(string program)
    {
        if (program.Contains('/'))
        {
            return File.Exists(program) ? program : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        // Administration tools live in sbin; a sudo/cron environment sometimes lacks it.
        foreach (var dir in path.Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]).Distinct())
        {
            if (dir.Length == 0)
            {
                continue;
            }

            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public ProcessResult Run(ProcessRequest request)
    {
        var exe = Resolve(request.FileName)
            ?? throw new MkcdrecException(ExitCode.Environment, $"The program '{request.FileName}' is needed but was not found in PATH.",
                $"Install the package that provides '{request.FileName}' and run the command again.");
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };
        foreach (var a in request.Arguments)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LC_ALL"] = "C";
        psi.Environment["LANG"] = "C";
        if (request.Environment is not null)
        {
            foreach (var (k, v) in request.Environment)
            {
                psi.Environment[k] = v;
            }
        }

        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new MkcdrecException(ExitCode.Environment, $"Could not start {exe}.", "Check that it is executable.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (request.StandardInput is not null)
        {
            p.StandardInput.Write(request.StandardInput);
        }

        p.StandardInput.Close();
        var timeout = request.Timeout ?? TimeSpan.FromHours(24);
        if (!p.WaitForExit(timeout))
        {
            try
            {
                p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            throw new MkcdrecException(ExitCode.CommandFailed, $"Command timed out after {timeout.TotalSeconds:0} s: {request.CommandLine}",
                "The device or tool may hang; check dmesg and the log, then run again.");
        }

        var result = new ProcessResult(p.ExitCode, stdout.Result, stderr.Result, sw.Elapsed);
        _log.Debug($"ran [{result.Elapsed.TotalMilliseconds:0} ms, exit {result.ExitCode}] {request.CommandLine}");
        if (result.ExitCode != 0 && result.StandardError.Length > 0)
        {
            _log.Debug("  stderr: " + result.StandardError.Trim().Replace("\n", "\n  stderr: "));
        }

        return result;
    }
}
