using System.CommandLine;
using System.Globalization;
using Mkcdrec.Cli.Commands;
using Mkcdrec.Cli.Configuration;
using Mkcdrec.Core;
using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Configuration;
using Mkcdrec.Core.Execution;
using Mkcdrec.Core.Media;
using Mkcdrec.Core.Storage;
using Mkcdrec.Core.Workflows;

namespace Mkcdrec.Cli.Reference;

/// <summary>mkcdrec(8), written from the command tree the binary parses with, so the page lists exactly the verbs and
/// options there are; the exit codes, files and environment come from the code's own constants.</summary>
internal static class CommandManPage
{
    public static string Write(Command root)
    {
        var page = new ManPageWriter("mkcdrec", 8, "System Administration");
        var (summary, description) = Summary(root.Description ?? "");
        page.Section("Name");
        page.Roff($"mkcdrec \\- {ManPageWriter.Escape(summary)}");
        page.Section("Synopsis");
        page.Roff($"{ManPageWriter.Bold("mkcdrec")} [{ManPageWriter.Italic("global options")}] {ManPageWriter.Italic("command")} "
                  + $"[{ManPageWriter.Italic("options")}] [{ManPageWriter.Italic("arguments")}]");
        page.Section("Description");
        page.Text(description);
        page.Paragraph("Every command prints its own help with `--help`. Settings an administrator makes once go in the configuration "
                       + $"file {ConfigFile.DefaultPath} (see mkcdrec.conf(5)); options on the command line override it; `mkcdrec config show` "
                       + "prints what is in effect.");

        page.Section("Global options");
        page.Text("The options of mkcdrec itself. Those every command takes may stand before or after the command.");
        foreach (var option in VisibleTree.Options(root))
        {
            OptionItem(page, option, option.Recursive ? " Every command takes it." : "");
        }

        page.Section("Commands");
        foreach (var (path, command) in VisibleTree.Commands(root))
        {
            CommandEntry(page, path, command);
        }

        ExitStatus(page);
        Files(page);
        EnvironmentSection(page);
        page.Section("See also");
        page.Roff($"{ManPageWriter.Bold("mkcdrec.conf")}(5), {ManPageWriter.Bold("tar")}(1), {ManPageWriter.Bold("xorriso")}(1); "
                  + "the documentation in the docs/ folder of the mkcdrec sources.");
        return page.ToString();
    }

    private static void CommandEntry(ManPageWriter page, string path, Command command)
    {
        page.SubSection(path);
        page.Roff(Synopsis(path, command));
        page.Paragraph(command.Description ?? "");
        if (VisibleTree.Subcommands(command).Select(c => $"`{path} {c.Name}`").ToList() is { Count: > 0 } subs)
        {
            page.Text($"Commands: {string.Join(", ", subs)}.");
        }

        foreach (var argument in VisibleTree.Arguments(command))
        {
            var optional = argument.Arity.MinimumNumberOfValues == 0 ? " Optional." : "";
            var fallback = argument.HasDefaultValue && Convert.ToString(argument.GetDefaultValue(), CultureInfo.InvariantCulture) is { Length: > 0 } d
                ? DefaultSentence(argument.Description ?? "", d) : "";
            page.Item(ManPageWriter.Italic(VisibleTree.ValueName(argument)), Sentence(argument.Description ?? "") + optional + fallback);
        }

        foreach (var option in VisibleTree.Options(command))
        {
            OptionItem(page, option, "");
        }
    }

    /// <summary>"mkcdrec archive create --root DIR --dest DIR [options]": required options, then the rest, then arguments.</summary>
    private static string Synopsis(string path, Command command)
    {
        var parts = new List<string> { ManPageWriter.Bold($"mkcdrec {path}") };
        var options = VisibleTree.Options(command).ToList();
        parts.AddRange(options.Where(o => o.Required).Select(o => $"{ManPageWriter.Bold(o.Name)} {ManPageWriter.Italic(VisibleTree.ValueName(o))}"));
        if (options.Any(o => !o.Required))
        {
            parts.Add($"[{ManPageWriter.Italic("options")}]");
        }

        foreach (var a in VisibleTree.Arguments(command))
        {
            var name = ManPageWriter.Italic(VisibleTree.ValueName(a)) + (a.Arity.MaximumNumberOfValues > 1 ? " ..." : "");
            parts.Add(a.Arity.MinimumNumberOfValues == 0 ? $"[{name}]" : name);
        }

        if (VisibleTree.Subcommands(command).Any())
        {
            parts.Add(command.Action is null ? ManPageWriter.Italic("command") : $"[{ManPageWriter.Italic("command")}]");
        }

        return string.Join(' ', parts);
    }

    private static void OptionItem(ManPageWriter page, Option option, string extra)
    {
        var tag = string.Join(", ", VisibleTree.Names(option).Select(ManPageWriter.Bold))
                  + (VisibleTree.IsFlag(option) ? "" : " " + ManPageWriter.Italic(VisibleTree.ValueName(option)));
        var text = Sentence(option.Description ?? "");
        var values = VisibleTree.Values(option);
        var more = (option.Required ? " Required." : "")
                   + (option.Arity.MaximumNumberOfValues > 1 && !text.Contains("repeat", StringComparison.OrdinalIgnoreCase) ? " Repeatable." : "")
                   + (values.Count > 0 && !values.All(v => text.Contains(v, StringComparison.Ordinal)) ? $" Values the shell completes: {string.Join(", ", values)}." : "")
                   + (VisibleTree.Default(option) is { Length: > 0 } d ? DefaultSentence(text, d) : "");
        page.Item(tag, text + more + extra);
    }

    /// <summary>The text with a full stop, so that sentences added after it read as sentences (help's own text has none).</summary>
    private static string Sentence(string text) => text.Length == 0 || text.EndsWith('.') || text.EndsWith(')') && text.TrimEnd(')').EndsWith('.') ? text : text + ".";

    /// <summary>" Default: X." unless the description already says it (most do, in their own words).</summary>
    private static string DefaultSentence(string description, string value) =>
        description.Contains($"default {value}", StringComparison.Ordinal) || description.Contains($"default: {value}", StringComparison.Ordinal)
        || (value.Length >= 3 && description.Contains(value, StringComparison.Ordinal))
            ? ""
            : $" Default: {value}.";

    /// <summary>The root's description is "mkcdrec — SUMMARY.\nMORE": the summary names the page, the rest describes it.</summary>
    private static (string Summary, string Description) Summary(string text)
    {
        var lines = text.Split('\n', 2);
        var first = lines[0];
        var dash = first.IndexOf(" \u2014 ", StringComparison.Ordinal);
        var summary = (dash < 0 ? first : first[(dash + 3)..]).TrimEnd('.');
        return (summary, lines.Length > 1 ? lines[1] : first);
    }

    private static void ExitStatus(ManPageWriter page)
    {
        page.Section("Exit status");
        page.Text("Every error prints what went wrong and what to do next; with `--json` it is a JSON object on standard output.");
        foreach (var (code, meaning) in ExitCodes.All)
        {
            page.Item(ManPageWriter.Bold(((int)code).ToString(CultureInfo.InvariantCulture)), meaning);
        }
    }

    private static void Files(ManPageWriter page)
    {
        page.Section("Files");
        (string Path, string What)[] files =
        [
            (ConfigFile.DefaultPath, "The configuration file, mkcdrec.conf(5)."),
            (LayoutWorkflows.DefaultLayoutPath, "The saved layout: what `layout save` writes and `layout check` and `recover` read unless given another."),
            (BackupCommands.DefaultDestination, "Where `mkbackuponly` puts the backup without `--dest`."),
            (MediaWorkflows.DefaultOutputDir, "Where `mkbackup` and `mkrescue` write the ISOs without `--output`, and where `drill` looks for them."),
            (RecoverJournal.DefaultPath, "The journal of the steps `recover` completed, so that a rerun resumes (`--journal`)."),
            (FileLog.DefaultDirectory + "/", "One log per run, unless `--log FILE`; when it cannot be written, $XDG_STATE_HOME/mkcdrec or ~/.local/state/mkcdrec."),
            (BackupFetcher.RescueSpool, "In the rescue system: where `fetch` downloads a backup."),
            (PlanOptions.DefaultTargetRoot, "In the rescue system: where `recover` mounts the recreated filesystems."),
        ];
        foreach (var (path, what) in files)
        {
            page.Item(ManPageWriter.Italic(path), what);
        }
    }

    private static void EnvironmentSection(ManPageWriter page)
    {
        page.Section("Environment");
        (string Name, string What)[] variables =
        [
            (ConfigLocation.Environment, "The configuration file to read when `--config` is not given; /dev/null reads none."),
            ("XDG_STATE_HOME, HOME", "Where the log goes when /var/log/mkcdrec cannot be written."),
            ("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, AWS_REGION, AWS_DEFAULT_REGION",
                "Credentials and region for s3:// destinations, read as the AWS tools read them; a `--secrets` directory's s3/credentials and s3/config take the place of the files."),
            ("MKCDREC_HOOK, MKCDREC_BACKUP_RESULT",
                "Set by mkcdrec for a hook it runs: the hook's name (pre-backup, post-backup, post-recovery) and, for the post-backup hook, ok or failed."),
        ];
        foreach (var (name, what) in variables)
        {
            page.Item(ManPageWriter.Bold(name), what);
        }
    }
}
