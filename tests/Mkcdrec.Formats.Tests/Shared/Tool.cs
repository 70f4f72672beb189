using System.Diagnostics;

namespace Mkcdrec.Tests.Shared;

/// <summary>Runs a peer tool (readelf, cpio, zstd, ldd...) for a test. Test code may start processes; src/ may not.</summary>
public static class Tool
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr, byte[] StdOutBytes);

    public static bool Exists(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Any(d => File.Exists(Path.Combine(d, program)));

    public static Result Run(string program, IEnumerable<string> args, string? workingDirectory = null, byte[]? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LC_ALL"] = "C";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var errTask = p.StandardError.ReadToEndAsync();
        var ms = new MemoryStream();
        var outTask = p.StandardOutput.BaseStream.CopyToAsync(ms);
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        }

        if (timeout is { } t && !p.WaitForExit(t))
        {
            p.Kill(entireProcessTree: true);
        }

        outTask.Wait();
        p.WaitForExit();
        var bytes = ms.ToArray();
        return new Result(p.ExitCode, System.Text.Encoding.UTF8.GetString(bytes), errTask.Result, bytes);
    }

    public static Result Run(string program, params string[] args) => Run(program, (IEnumerable<string>)args);

    public static Result Checked(string program, IEnumerable<string> args, string? workingDirectory = null, byte[]? stdin = null)
    {
        var r = Run(program, args, workingDirectory, stdin);
        Assert.True(r.ExitCode == 0, $"{program} {string.Join(' ', args)} failed ({r.ExitCode}): {r.StdErr}");
        return r;
    }

    public static void SkipUnlessTool(string program) =>
        Assert.SkipUnless(Exists(program), $"{program} is not installed");

    public static string TempDir(string prefix)
    {
        var d = Path.Combine(Path.GetTempPath(), $"mkcdrec-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    public static void RemoveDir(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
