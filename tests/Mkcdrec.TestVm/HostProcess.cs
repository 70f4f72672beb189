using System.Diagnostics;

namespace Mkcdrec.TestVm;

/// <summary>What a host program produced (<see cref="HostProcess"/>).</summary>
public sealed record HostResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Runs a program on the host for the guest tiers (build scripts, mkfs, mount, cp, xorriso, mkcdrec itself): arguments
/// as a list (no shell, no quoting), both outputs captured, a timeout that kills the whole process tree.
/// </summary>
public static class HostProcess
{
    public static HostResult Run(string program, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new TestVmException($"cannot start {program}");
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromMinutes(5);
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new TimeoutException($"{Describe(program, args)} did not finish within {limit.TotalMinutes:0.#} min:\n{GuestResult.Tail(o.Result)}\n{GuestResult.Tail(err.Result)}");
        }

        p.WaitForExit();
        return new HostResult(p.ExitCode, o.Result, err.Result);
    }

    /// <summary>Runs the program and returns its standard output; throws (with both outputs) on a non-zero exit code.</summary>
    public static string Checked(string program, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var r = Run(program, args, timeout);
        return r.ExitCode == 0
            ? r.Stdout
            : throw new TestVmException($"{Describe(program, args)} failed with exit code {r.ExitCode}:\n{GuestResult.Tail(r.Stdout)}\n{GuestResult.Tail(r.Stderr)}");
    }

    public static string Checked(string program, params string[] args) => Checked(program, (IEnumerable<string>)args);

    /// <summary>The last <paramref name="max"/> characters of a long text (console logs in assertion messages).</summary>
    public static string Tail(string s, int max = 4000) => GuestResult.Tail(s, max);

    private static string Describe(string program, IEnumerable<string> args) => program + " " + string.Join(' ', args);
}
