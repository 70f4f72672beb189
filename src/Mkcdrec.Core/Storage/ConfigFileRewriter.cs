namespace Mkcdrec.Core.Storage;

/// <summary>
/// Rewrites one configuration file of the restored system only where a UUID or a device name changed, keeping the
/// original beside it (name.mkcdrec-orig) and showing the changed lines.
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

        File.Copy(path, path + ".mkcdrec-orig", overwrite: true);
        context.Wrote(path + ".mkcdrec-orig");
        context.WriteFile(path, now);
        context.Say($"{file}: rewritten (the original is kept as {file}.mkcdrec-orig):\n{LineDiff.ChangedLines(text, now)}");
        context.RewrittenFiles.Add(file);
    }
}
