using System.Text;
using System.Text.RegularExpressions;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Execution;

public sealed partial class PlanExecutor
{
    [GeneratedRegex(@"\{keyfile:[^}]+\}")]
    private static partial Regex KeyFileToken();

    /// <summary>Fills every {keyfile:…} token: the --key-file path, or a private temporary file holding a prompted passphrase.</summary>
    private Dictionary<string, string> PrepareKeyFiles(List<PlanStep> steps, ExecutorOptions options, List<string> tempFiles)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var tokens = steps.SelectMany(s => s.Commands).SelectMany(c => c.Argv).SelectMany(a => KeyFileToken().Matches(a).Select(m => m.Value)).Distinct().ToList();
        foreach (var token in tokens)
        {
            if (options.KeyFile is { } kf)
            {
                if (!File.Exists(kf))
                {
                    throw new MkcdrecException(ExitCode.BadInput, $"The key file '{kf}' does not exist.", "Give an existing file with --key-file, or leave it out to be asked for the passphrase.");
                }

                map[token] = kf;
                continue;
            }

            map[token] = WritePassphraseFile(PromptPassphrase(token, options), tempFiles);
        }

        return map;
    }

    /// <summary>Asks the human for the passphrase a token stands for; refuses without a terminal or on an empty answer.</summary>
    private static string PromptPassphrase(string token, ExecutorOptions options)
    {
        var ask = options.AskPassphrase
            ?? throw new MkcdrecException(ExitCode.Refused, $"A passphrase is needed for {token.Trim('{', '}')} and there is no terminal to ask on; nothing was changed.",
                "Give it with --key-file FILE (the passphrase, as cryptsetup reads a key file).");
        var what = token.Trim('{', '}')["keyfile:".Length..];
        var pass = ask(what);
        if (pass.Length == 0)
        {
            throw new MkcdrecException(ExitCode.Refused, "Empty passphrase; nothing was changed.", "Run it again and type the passphrase, or use --key-file.");
        }

        return pass;
    }

    /// <summary>Writes the passphrase to a new file only its owner can read (in /run, a tmpfs, when writable), noted for deletion.</summary>
    private static string WritePassphraseFile(string passphrase, List<string> tempFiles)
    {
        var dir = Directory.Exists("/run") && IsWritable("/run") ? "/run" : Path.GetTempPath();
        var path = Path.Combine(dir, $"mkcdrec-key-{Environment.ProcessId}-{tempFiles.Count}");
        var fso = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fso.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var f = new FileStream(path, fso))
        {
            tempFiles.Add(path);
            f.Write(Encoding.UTF8.GetBytes(passphrase));
        }

        return path;
    }

    /// <summary>The argument with every {keyfile:…} token replaced by its file (tokens without one stay as they are).</summary>
    private static string FillKeyFiles(string argument, Dictionary<string, string> keyFiles) =>
        KeyFileToken().Replace(argument, m => keyFiles.TryGetValue(m.Value, out var p) ? p : m.Value);

    private static bool IsWritable(string dir)
    {
        try
        {
            var probe = Path.Combine(dir, $".mkcdrec-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void DeleteAll(List<string> files)
    {
        foreach (var f in files)
        {
            TryDelete(f);
        }
    }

    private static void TryDelete(string f)
    {
        try
        {
            File.Delete(f);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
