using System.Diagnostics;

namespace Mkcdrec.Core.Platform;

/// <summary>A command to run: a program and its arguments, never a shell string.</summary>
public sealed record ProcessRequest(string FileName, IReadOnlyList<string> Arguments)
{
    public string? StandardInput { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>Extra environment variables (e.g. LC_ALL=C is always set by the runner).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>The command line as it is logged: arguments quoted where needed.</summary>
    public string CommandLine => string.Join(' ', new[] { FileName }.Concat(Arguments).Select(Quote));

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";
}

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed);

/// <summary>The one way mkcdrec runs other programs. Implementations log every command line.</summary>
public interface IProcessRunner
{
    ProcessResult Run(ProcessRequest request);

    /// <summary>Whether <paramref name="program"/> can be found in PATH (or is an existing absolute path).</summary>
    bool CanRun(string program);
}

public static class ProcessRunnerExtensions
{
    public static ProcessResult Run(this IProcessRunner runner, string fileName, params string[] args) =>
        runner.Run(new ProcessRequest(fileName, args));

    /// <summary>Runs and throws a <see cref="MkcdrecException"/> naming the command and its error when it fails.</summary>
    public static ProcessResult RunChecked(this IProcessRunner runner, ProcessRequest request)
    {
        var result = runner.Run(request);
        if (result.ExitCode != 0)
        {
            var err = result.StandardError.Trim();
            if (err.Length == 0)
            {
                err = result.StandardOutput.Trim();
            }

            throw new MkcdrecException(ExitCode.CommandFailed,
                $"Command failed (exit {result.ExitCode}): {request.CommandLine}" + (err.Length > 0 ? $"\n{err}" : ""),
                "Read the error above; the full output is in the log. Fix the cause and run mkcdrec again.");
        }

        return result;
    }

    public static string RunChecked(this IProcessRunner runner, string fileName, params string[] args) =>
        runner.RunChecked(new ProcessRequest(fileName, args)).StandardOutput;
}

/// <summary>Measures a step for the log.</summary>
public static class Timing
{
    public static (T Result, TimeSpan Elapsed) Measure<T>(Func<T> f)
    {
        var sw = Stopwatch.StartNew();
        var r = f();
        return (r, sw.Elapsed);
    }
}
