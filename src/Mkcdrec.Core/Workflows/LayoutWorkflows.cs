using Mkcdrec.Core.Capture;
using Mkcdrec.Core.Layout;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Workflows;

/// <summary>The workflows behind `mkcdrec layout save | show | check`.</summary>
public sealed class LayoutWorkflows
{
    public const string DefaultLayoutPath = "/var/lib/mkcdrec/layout.json";

    private readonly IProcessRunner _run;
    private readonly ISystemFiles _files;
    private readonly ILog _log;
    private readonly bool _isRoot;
    private readonly string _version;

    public LayoutWorkflows(IProcessRunner run, ISystemFiles files, ILog log, bool isRoot, string version)
    {
        _run = run;
        _files = files;
        _log = log;
        _isRoot = isRoot;
        _version = version;
    }

    public sealed class SaveContext
    {
        public required IReadOnlyList<string> Disks { get; init; }

        public required string OutputPath { get; init; }

        public LayoutDocument? Layout { get; set; }
    }

    public static Workflow<SaveContext> SaveSteps(LayoutWorkflows w) => new Workflow<SaveContext>("layout save")
        .Step("check privileges", _ => w.RequireRoot("Capturing the layout"))
        .Step("capture layout", c => c.Layout = w.CaptureLive(c.Disks))
        .Step("write layout file", c => WriteLayout(c.OutputPath, c.Layout!));

    public LayoutDocument Save(IReadOnlyList<string> disks, string outputPath)
    {
        var ctx = new SaveContext { Disks = disks, OutputPath = outputPath };
        SaveSteps(this).Run(ctx, _log);
        return ctx.Layout!;
    }

    public void RequireRoot(string what)
    {
        if (!_isRoot)
        {
            throw MkcdrecException.NeedsRoot(what);
        }
    }

    public LayoutDocument CaptureLive(IReadOnlyList<string> disks)
    {
        RequireRoot("Capturing the layout");
        foreach (var tool in new[] { ("blkid", "util-linux") })
        {
            if (!_run.CanRun(tool.Item1))
            {
                throw MkcdrecException.MissingTool(tool.Item1, tool.Item2);
            }
        }

        var doc = new LayoutCapture(_run, _files, _log).Capture(new CaptureOptions { Disks = disks, MkcdrecVersion = _version });
        if (disks.Count > 0)
        {
            doc.SelectedDisks = doc.Disks.Select(d => d.ByIdLinks.FirstOrDefault() ?? d.Path).ToList();
        }

        return doc;
    }

    public static LayoutDocument Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"There is no layout file at {path}.",
                path == DefaultLayoutPath ? "Run 'mkcdrec layout save' first (as root), or name a layout file." : "Check the path.");
        }

        return LayoutSerializer.Deserialize(File.ReadAllText(path), path);
    }

    /// <summary>Compares a saved layout with the live machine (captured with the same disk selection).</summary>
    public (LayoutDocument Live, List<LayoutChange> Changes) Check(LayoutDocument saved)
    {
        var live = CaptureLive(saved.SelectedDisks ?? []);
        return (live, LayoutComparer.Compare(saved, live));
    }

    /// <summary>Writes a layout file atomically (a crash leaves the old file or the new one), creating its directory.</summary>
    public static void WriteLayout(string path, LayoutDocument layout)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, LayoutSerializer.Serialize(layout) + "\n");
    }
}
