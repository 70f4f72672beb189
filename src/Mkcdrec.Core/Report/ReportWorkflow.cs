using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Workflows;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Report;

/// <summary>What `mkcdrec report` was asked for.</summary>
public sealed record ReportRequest
{
    public required string OutputPath { get; init; }

    /// <summary>Reads the layout (the live capture, or a saved file).</summary>
    public required Func<LayoutDocument> Layout { get; init; }

    public required string LayoutSource { get; init; }

    /// <summary>The destination's URL as given (null: none configured) and how to open it.</summary>
    public string? Destination { get; init; }

    public Func<DestinationUrl, IBackupStore>? OpenStore { get; init; }

    public string DrillPath { get; init; } = LastDrill.DefaultPath;

    public string MediaDirectory { get; init; } = Mkcdrec.Core.Media.MediaWorkflows.DefaultOutputDir;

    public bool Encrypted { get; init; }

    public string MkcdrecVersion { get; init; } = "";
}

/// <summary>
/// `mkcdrec report`: reads the layout, plans the recovery onto the same disks (planning only), lists the backups, reads
/// the last drill and writes the page atomically. Only the layout is required: a destination that cannot be read and a
/// missing drill are said on the page.
/// </summary>
public sealed class ReportWorkflow(ILog log)
{
    public sealed class Context
    {
        public required ReportRequest Request { get; init; }

        public ReportData? Data { get; set; }
    }

    public static Workflow<Context> Steps(ReportWorkflow w) => new Workflow<Context>("report")
        .Step("check the output file", c => CheckOutput(c.Request.OutputPath))
        .Step("read the layout", c => c.Data = new ReportData { Layout = c.Request.Layout(), LayoutSource = c.Request.LayoutSource, MkcdrecVersion = c.Request.MkcdrecVersion })
        .Step("plan the recovery onto the same disks", c =>
        {
            var (plan, refusal) = SameDiskPlan.Make(c.Data!.Layout);
            c.Data = c.Data with { Plan = plan, PlanRefusal = refusal };
        })
        .Step("list the backups", c => c.Data = c.Data! with { Backups = w.ListBackups(c.Request, c.Data.Layout.Host.Hostname) })
        .Step("read the last drill", c => c.Data = c.Data! with { Drill = LastDrill.Load(c.Request.DrillPath), DrillPath = c.Request.DrillPath })
        .Step("list the rescue media", c => c.Data = c.Data! with
        {
            Setup = new RecoverySetup
            {
                Destination = c.Request.Destination, MediaDirectory = c.Request.MediaDirectory, Encrypted = c.Request.Encrypted, Media = Media(c.Request.MediaDirectory),
            },
        })
        .Step("write the page", c => Write(c.Request.OutputPath, ReportPage.Render(c.Data!)));

    public ReportData Run(ReportRequest request)
    {
        var ctx = new Context { Request = request };
        Steps(this).Run(ctx, log);
        return ctx.Data!;
    }

    private BackupsSection? ListBackups(ReportRequest request, string host)
    {
        if (request.Destination is null || request.OpenStore is null)
        {
            return null;
        }

        var shown = request.Destination.Split('?')[0];
        try
        {
            using var store = request.OpenStore(DestinationUrl.Parse(request.Destination));
            return new BackupsSection(store.Display, BackupChains.Read(store, host), null);
        }
        catch (Exception e) when (e is MkcdrecException or IOException or UnauthorizedAccessException or TimeoutException
                                      or InvalidDataException or System.Net.Http.HttpRequestException)
        {
            log.Warn($"report: the backups at {shown} could not be listed: {e.Message}");
            return new BackupsSection(shown, [], e is MkcdrecException m ? $"{m.Message} {m.Hint}" : e.Message);
        }
    }

    /// <summary>The ISOs in the media directory (none when it is not there).</summary>
    private static List<(string Name, long Bytes, DateTimeOffset Written)> Media(string directory) =>
        !Directory.Exists(directory) ? []
        : [.. new DirectoryInfo(directory).EnumerateFiles("*.iso").Select(f => (f.Name, f.Length, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero))).OrderBy(m => m.Name, StringComparer.Ordinal)];

    /// <summary>Refuses an output path that cannot be written before anything is read (a live capture takes a while).</summary>
    public static void CheckOutput(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new MkcdrecException(ExitCode.Usage, $"The report's output {path} is a directory.", "Give -o a file name, e.g. -o " + Path.Combine(path, "report.html") + ".");
        }

        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir) && full != ReportPage.DefaultPath)
        {
            throw new MkcdrecException(ExitCode.Usage, $"Cannot write the report to {path}: the directory {dir} does not exist.",
                "Create the directory first, or give -o a file in an existing directory (e.g. -o ./report.html).");
        }
    }

    /// <summary>Writes the page atomically (a crash leaves the old page or the new one); the default directory is created.</summary>
    public static void Write(string path, string html)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            AtomicFile.WriteAllText(path, html);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new MkcdrecException(ExitCode.NeedsRoot, $"Cannot write the report to {path}: {e.Message}",
                "Run it as root, or give -o a file in a directory you can write (e.g. -o ./report.html).", e);
        }
        catch (IOException e)
        {
            throw new MkcdrecException(ExitCode.Environment, $"Cannot write the report to {path}: {e.Message}",
                "Give -o a file in a directory with free space that you can write (e.g. -o ./report.html).", e);
        }
    }
}
