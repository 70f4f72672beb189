using System.Diagnostics;

/// <summary>Runs a bash script (pipefail) and fails loudly when it fails: the benchmark's one way to run commands.</summary>
internal static class Shell
{
    public static void Run(string script)
    {
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("set -o pipefail; " + script);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"failed ({p.ExitCode}): {script}");
        }
    }
}
