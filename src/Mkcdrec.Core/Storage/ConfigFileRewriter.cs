namespace Mkcdrec.Core.Storage;

/// <summary>
/// Rewrites one configuration file of the restored system only where a UUID or a device name changed, keeping the
/// original (<see cref="OriginalOf"/>) and showing the changed lines.
/// </summary>
public static class ConfigFileRewriter
{
    /// <param name="context">The finalize run (its id changes, renamed devices, the list of rewritten files).</param>
    /// <param name="file">The file's path in the restored system (e.g. /etc/fstab); a missing file is left alone.</param>
    /// <param name="replaceRenamedDevices">Replaces renamed device names in this file's syntax; called only when a device was renamed.</param>
    public static void Rewrite(FinalizeContext context, string file, Func<string, string>? replaceRenamedDevices = null)
    {
        var path = context.RootPath(file);
        if (!File.Exists(path))
        {
            return;
        }

        if (new FileInfo(path).LinkTarget is { } target)
        {
            // The file it points to is rewritten by its own name (/etc/mdadm.conf -> mdadm/mdadm.conf), or named here.
            context.Log.Info($"{file} is a symbolic link to {target}: not rewritten through the link.");
            return;
        }

        var text = File.ReadAllText(path);
        var now = text;
        foreach (var c in context.IdChanges)
        {
            now = now.Replace(c.Old, c.New, StringComparison.OrdinalIgnoreCase);
        }

        if (context.RenamedDevices.Count > 0 && replaceRenamedDevices is not null)
        {
            now = replaceRenamedDevices(now);
        }

        if (now == text)
        {
            return;
        }

        var original = OriginalOf(file);
        Directory.CreateDirectory(Path.GetDirectoryName(context.RootPath(original))!);
        File.Copy(path, context.RootPath(original), overwrite: true);
        context.Wrote(context.RootPath(original));
        context.WriteFile(path, now);
        context.Say($"{file}: rewritten (the original is kept as {original}):\n{LineDiff.ChangedLines(text, now)}");
        context.RewrittenFiles.Add(file);
    }

    /// <summary>
    /// Where the original of a rewritten file is kept: beside it as FILE.mkcdrec-orig, except in a directory whose every
    /// file is read as configuration (a .d directory: initramfs-tools sources all of conf.d/, so a resume.mkcdrec-orig
    /// there would bring the old resume device back into the initramfs); those go under /var/lib/mkcdrec/original.
    /// </summary>
    public static string OriginalOf(string file) =>
        Path.GetDirectoryName(file)!.EndsWith(".d", StringComparison.Ordinal) ? OriginalsDirectory + file : file + ".mkcdrec-orig";

    /// <summary>The tree the originals from .d directories are kept in, by their path in the system.</summary>
    public const string OriginalsDirectory = "/var/lib/mkcdrec/original";
}
