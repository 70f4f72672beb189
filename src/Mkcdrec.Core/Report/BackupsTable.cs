using System.Text;

namespace Mkcdrec.Core.Report;

/// <summary>The backups at the destination (as `mkcdrec backups list` shows them), or the rescue media when the backup
/// travels on the ISO; an unreachable destination is said, not fatal.</summary>
public static class BackupsTable
{
    public static string Render(ReportData data)
    {
        var sb = new StringBuilder();
        if (data.Backups is not { } b)
        {
            sb.Append($"<p>No destination is configured: the backup travels on the rescue ISO. The media in <code>{Html.E(data.Setup.MediaDirectory)}</code>:</p>\n");
            if (data.Setup.Media.Count == 0)
            {
                return sb.Append("<p class=\"warn\">None found. Run <code>mkcdrec mkbackup</code>.</p>\n").ToString();
            }

            Html.Table(sb, ["medium", "size", "written"],
                data.Setup.Media.OrderBy(m => m.Written).Select(m => (IReadOnlyList<string>)[Html.E(m.Name), Html.E(Bytes.Format(m.Bytes)), Html.E(Html.Date(m.Written))]));
            return sb.ToString();
        }

        if (b.Unreachable is { } why)
        {
            return sb.Append($"<p class=\"fail\"><b>The destination <code>{Html.E(b.Where)}</code> could not be read:</b> {Html.E(why)}</p>\n" +
                "<p>Its backups are not listed here. Check it with <code>mkcdrec backups list</code> before relying on it.</p>\n").ToString();
        }

        sb.Append($"<p>{b.Backups.Count} backup(s) of this host at <code>{Html.E(b.Where)}</code>:</p>\n");
        Html.Table(sb, ["backup", "started", "size", "files", "last written", "state"],
            b.Backups.Select(c => (IReadOnlyList<string>)
            [
                Html.E(c.Name), c.Backup.Time is { } t ? Html.E(Html.Date(t)) : "?", Html.E(Bytes.Format(c.Backup.Bytes)),
                Html.E(c.Backup.Files.ToString(System.Globalization.CultureInfo.InvariantCulture)), Html.E(Html.Date(c.Backup.LastWritten)),
                (c.Backup.Complete && c.Broken is null ? "" : "<b>") + Html.E(c.Describe()) + (c.Backup.Complete && c.Broken is null ? "" : "</b>"),
            ]));
        return sb.ToString();
    }
}
