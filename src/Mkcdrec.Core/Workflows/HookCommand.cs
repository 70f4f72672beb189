using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Workflows;

/// <summary>One run of an admin's hook command: /bin/sh -c, in a chroot when given one, its output in the log line by line.</summary>
public static class HookCommand
{
    /// <summary>Runs <paramref name="command"/>; returns why it failed (exit status, timeout, last lines of its error output), or null.</summary>
    public static string? Run(IProcessRunner run, ILog log, string name, string command, IReadOnlyDictionary<string, string> environment, TimeSpan timeout,
        string? chrootRoot = null)
    {
        log.Info($"{name} hook: {command}" + (chrootRoot is null ? "" : $" (in a chroot of {chrootRoot})"));
        var env = new Dictionary<string, string>(environment) { ["MKCDREC_HOOK"] = name };
        var request = chrootRoot is null
            ? new ProcessRequest("/bin/sh", ["-c", command])
            : new ProcessRequest("chroot", [chrootRoot, "/bin/sh", "-c", command]);
        ProcessResult r;
        try
        {
            r = run.Run(request with { Environment = env, Timeout = timeout });
        }
        catch (MkcdrecException e)
        {
            return $"'{command}': {e.Message}";
        }

        foreach (var line in (r.StandardOutput + r.StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            log.Info($"{name} hook: | {line}");
        }

        if (r.ExitCode == 0)
        {
            return null;
        }

        var said = (r.StandardError.Trim().Length > 0 ? r.StandardError : r.StandardOutput).Trim().Split('\n');
        return $"'{command}' exited with {r.ExitCode}" + (said[0].Length > 0 ? ": " + string.Join("\n", said.Skip(Math.Max(0, said.Length - 5))) : "");
    }
}
