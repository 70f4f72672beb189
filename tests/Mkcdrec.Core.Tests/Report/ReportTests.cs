using System.Text.RegularExpressions;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Report;
using Mkcdrec.Core.Tests.Destinations;
using Mkcdrec.Core.Tests.Planning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Tests.Report;

/// <summary>`mkcdrec report`: the page built from a RAID1 → LUKS → LVM → ext4 layout whose label and mount point hold
/// markup; what the diagram, the plan, the backups, the drill and the steps show (docs/report.md).</summary>
public sealed partial class ReportTests : IDisposable
{
    private const string Evil = "<script>alert('x')</script>";
    private const string EvilMount = "/srv/<b>&\"q";
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The fixture stack, with a label and a mount point a browser would take for markup, and LV UUIDs.</summary>
    internal static LayoutDocument Layout()
    {
        var doc = PlanFixtures.RaidLuksLvmThin();
        doc.Filesystems.Single(f => f.Type == "ext4").Label = Evil;
        doc.Mounts.Single(m => m.Target == "/srv").Target = EvilMount;
        var n = 0;
        foreach (var lv in doc.Lvm.LogicalVolumes)
        {
            lv.Uuid = $"LVUUID-{++n:D2}-aaaa-bbbb";
        }

        return doc;
    }

    private static ReportData Data(LayoutDocument layout, DrillReport? drill = null, RecoverySetup? setup = null, BackupsSection? backups = null)
    {
        var (plan, refusal) = SameDiskPlan.Make(layout);
        return new ReportData
        {
            Layout = layout, LayoutSource = "test", Plan = plan, PlanRefusal = refusal, Drill = drill, Setup = setup ?? new RecoverySetup(), Backups = backups,
            GeneratedAt = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero), MkcdrecVersion = "9.9.9",
        };
    }

    private static string Svg(string page)
    {
        var start = page.IndexOf("<svg", StringComparison.Ordinal);
        var end = page.IndexOf("</svg>", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the page has no SVG diagram");
        return page[start..end];
    }

    [Fact]
    public void Markup_from_the_system_is_escaped_everywhere()
    {
        var page = ReportPage.Render(Data(Layout()));
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>&", page, StringComparison.Ordinal);
        Assert.Contains("label &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", Svg(page), StringComparison.Ordinal);
        Assert.Contains(Html.E(EvilMount), Svg(page), StringComparison.Ordinal);
        Assert.Equal("/srv/&lt;b&gt;&amp;&quot;q", Html.E(EvilMount));

        // Every tag on the page is one the page itself writes: no element came from a value.
        var tags = TagNames().Matches(page).Select(m => m.Groups[1].Value.ToLowerInvariant()).ToHashSet();
        string[] ours = ["!doctype", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "section", "svg", "path", "text", "g", "rect",
            "pre", "code", "b", "i", "span", "div", "ol", "ul", "li", "table", "thead", "tbody", "tr", "th", "td"];
        Assert.Empty(tags.Except(ours));
    }

    [Fact]
    public void The_diagram_shows_every_device_with_its_size_and_identifiers_in_its_layers_colour()
    {
        var layout = Layout();
        var svg = Svg(ReportPage.Render(Data(layout)));
        var expected = new List<string>();
        foreach (var d in layout.Disks)
        {
            expected.AddRange([d.Path, Bytes.Format(d.SizeBytes), "GPT " + d.PartitionTable.DiskGuid!.Value]);
            expected.AddRange(d.Partitions.SelectMany(p => new[] { p.Path, Bytes.Format(p.SizeBytes), "PARTUUID " + p.PartUuid }));
        }

        expected.AddRange(layout.MdArrays.SelectMany(m => new[] { m.NamedPath!, "UUID " + m.Uuid, Bytes.Format(m.SizeBytes), "raid1" }));
        expected.AddRange(layout.Luks.SelectMany(l => new[] { l.MappedPath!, "UUID " + l.Uuid, "label " + l.Label }));
        expected.AddRange(layout.Lvm.PhysicalVolumes.Select(p => "UUID " + p.Uuid));
        expected.AddRange(layout.Lvm.VolumeGroups.SelectMany(v => new[] { "VG " + v.Name, "UUID " + v.Uuid }));
        expected.AddRange(layout.Lvm.LogicalVolumes.Where(l => !l.Hidden).SelectMany(l => new[] { $"/dev/{l.VgName}/{l.Name}", "UUID " + l.Uuid, Bytes.Format(l.SizeBytes) }));
        expected.AddRange(layout.Filesystems.SelectMany(f => new[] { "UUID " + f.Uuid, f.Type, Bytes.Format(f.SizeBytes) }));
        expected.AddRange(layout.Mounts.Select(m => Html.E(m.Target)));
        Assert.All(expected, e => Assert.Contains(">" + e, svg, StringComparison.Ordinal));
        Assert.DoesNotContain("pool_tdata", svg, StringComparison.Ordinal);

        foreach (var layer in new[] { StackLayer.Disk, StackLayer.Partition, StackLayer.Raid, StackLayer.Luks, StackLayer.LvmPv, StackLayer.LvmVg, StackLayer.LvmLv, StackLayer.Filesystem, StackLayer.Mount })
        {
            Assert.Contains($"fill=\"{StackDiagram.Fill(layer)}\"", svg, StringComparison.Ordinal);
        }

        Assert.DoesNotContain($"fill=\"{StackDiagram.Fill(StackLayer.Other)}\"", svg, StringComparison.Ordinal);
        Assert.Equal(10, Enum.GetValues<StackLayer>().Select(StackDiagram.Fill).Distinct().Count());
    }

    [Fact]
    public void The_graph_links_each_device_to_what_it_sits_on()
    {
        var layout = Layout();
        var nodes = StackGraph.Build(layout).ToDictionary(n => n.Id);
        var md = layout.MdArrays[0];
        Assert.Equal([layout.Disks[0].Partitions[1].Id, layout.Disks[1].Partitions[1].Id], nodes[md.Id].Parents);
        Assert.Equal([md.Id], nodes[layout.Luks[0].Id].Parents);
        Assert.Equal([layout.Luks[0].Id], nodes["pv:PVUUID-1"].Parents);
        Assert.Equal(["pv:PVUUID-1"], nodes["vg:vg0"].Parents);
        Assert.Equal(["vg:vg0"], nodes["lv:vg0/root"].Parents);
        Assert.Equal(["lv:vg0/root"], nodes["fs:ext4:11111111-2222-3333-4444-555555555555"].Parents);
        Assert.Equal(["fs:ext4:11111111-2222-3333-4444-555555555555"], nodes["mount:/"].Parents);
        Assert.Equal(md.SizeBytes - (16L << 20), nodes[layout.Luks[0].Id].SizeBytes);

        // One line per edge in the drawing: 2 disk→partition each, 2 RAID members, LUKS, PV, VG, 4 LVs, 4 filesystems, 3 mounts.
        var svg = Svg(ReportPage.Render(Data(layout)));
        Assert.Equal(nodes.Values.Sum(n => n.Parents.Count), Regex.Count(svg, "<path class=\"edge\""));
        Assert.Equal(4 + 2 + 1 + 1 + 1 + 4 + 4 + 3, nodes.Values.Sum(n => n.Parents.Count));
    }

    [Fact]
    public void A_device_of_another_technology_is_drawn_from_the_registrys_description()
    {
        var layout = BcacheFixtures.Stack();
        var nodes = StackGraph.Build(layout);
        var others = nodes.Where(n => n.Layer == StackLayer.Other).ToList();
        Assert.NotEmpty(others);
        var ids = nodes.Select(n => n.Id).ToHashSet();
        Assert.All(others, o => Assert.NotEmpty(o.Parents));
        Assert.All(others, o => Assert.All(o.Parents, p => Assert.Contains(p, ids)));
        Assert.All(others, o => Assert.True(o.SizeBytes > 0));
        // Whatever stands on them links to them: no box floats without the devices it is on.
        Assert.Contains(nodes, n => n.Layer > StackLayer.Other && n.Parents.Any(p => others.Any(o => o.Id == p)));
        Assert.Contains($"fill=\"{StackDiagram.Fill(StackLayer.Other)}\"", StackDiagram.Render(nodes), StringComparison.Ordinal);
    }

    [Fact]
    public void The_plan_section_is_the_planners_plan_onto_the_same_disks()
    {
        var layout = Layout();
        var page = ReportPage.Render(Data(layout));
        var plan = Planner.Plan(layout, SameDiskPlan.Targets(layout), new Mkcdrec.Core.Storage.PlanOptions());
        Assert.All(plan.Mappings, m => Assert.Equal(m.SourcePath, m.TargetPath));
        Assert.Contains(Html.E(PlanRenderer.Render(plan)), page, StringComparison.Ordinal);
        Assert.Contains("mdadm --create", page, StringComparison.Ordinal);
        Assert.Contains("luksFormat", page, StringComparison.Ordinal);
        Assert.Contains("lvcreate", page, StringComparison.Ordinal);
    }

    [Fact]
    public void A_layout_the_planner_refuses_gives_its_reason_instead_of_a_plan()
    {
        var layout = Layout();
        // The root filesystem also spans a device no disk of the layout holds: it cannot be recreated whole.
        layout.Filesystems.Single(f => f.Type == "ext4").DeviceIds.Add("disk:gone/p1");
        var data = Data(layout);
        Assert.Null(data.Plan);
        Assert.NotNull(data.PlanRefusal);
        Assert.Contains("The planner refuses this layout:</b> " + Html.E(data.PlanRefusal), ReportPage.Render(data), StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_drill_shows_its_result_and_a_timeline_of_its_phases()
    {
        var drill = new DrillReport
        {
            Passed = true, FinishedAt = new DateTimeOffset(2026, 12, 1, 3, 4, 0, TimeSpan.Zero), Medium = "/var/lib/mkcdrec/output/web1.iso", Firmware = "uefi", MediumBytes = 700L << 20,
            DiskSizes = [20L << 30, 20L << 30],
            Phases = [new() { Name = "read the rescue medium", Seconds = 30 }, new() { Name = "recover <in> the rescue system", Seconds = 60 }, new() { Name = "boot the recovered system", Seconds = 30 }],
            RecoveryPhases = [new() { Name = "verify", Seconds = 10 }, new() { Name = "restore", Seconds = 40 }],
        };
        var page = ReportPage.Render(Data(Layout(), drill));
        Assert.Contains("<b>PASSED</b> on 2026-12-01 03:04 UTC", page, StringComparison.Ordinal);
        Assert.DoesNotContain(DrillTimeline.NoDrill, page, StringComparison.Ordinal);
        Assert.Contains("Drill phases (120 s)", page, StringComparison.Ordinal);
        Assert.Contains("Inside the recovery (50 s)", page, StringComparison.Ordinal);
        Assert.Contains("recover &lt;in&gt; the rescue system", page, StringComparison.Ordinal);
        var widths = Regex.Matches(page, "<span style=\"width:([0-9.]+)%").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["25", "50", "25", "20", "80"], widths);
        // Starts: each phase begins where the ones before it ended.
        Assert.Contains("boot the recovered system</td><td>90 s</td><td>30 s</td>", page, StringComparison.Ordinal);

        drill.Passed = false;
        drill.Failures.Add("boot-compare: 3 files <changed>");
        page = ReportPage.Render(Data(Layout(), drill));
        Assert.Contains("<b>FAILED</b>", page, StringComparison.Ordinal);
        Assert.Contains("<li>boot-compare: 3 files &lt;changed&gt;</li>", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_drill_the_page_says_none_is_on_record_and_how_to_run_one()
    {
        var page = ReportPage.Render(Data(Layout()) with { DrillPath = "/nowhere/last-drill.json" });
        Assert.Contains(DrillTimeline.NoDrill, page, StringComparison.Ordinal);
        Assert.Contains("<pre>mkcdrec drill</pre>", page, StringComparison.Ordinal);
        Assert.Contains("/nowhere/last-drill.json", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Drill phases", page, StringComparison.Ordinal);
    }

    [Fact]
    public void The_drill_saves_its_report_atomically_and_the_report_reads_it_back()
    {
        var path = Path.Combine(_dir, "sub", "last-drill.json");
        Assert.Null(LastDrill.Load(path));
        LastDrill.Save(new DrillReport { Passed = true, Phases = [new() { Name = "judge", Seconds = 1.5 }], FinishedAt = DateTimeOffset.UnixEpoch }, path);
        var back = LastDrill.Load(path)!;
        Assert.True(back.Passed);
        Assert.Equal("judge", back.Phases.Single().Name);
        Assert.Equal(DateTimeOffset.UnixEpoch, back.FinishedAt);
        Assert.Equal(["last-drill.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));

        File.WriteAllText(path, "{ not json");
        Assert.Equal(ExitCode.BadInput, Assert.Throws<MkcdrecException>(() => LastDrill.Load(path)).Code);
    }

    [Fact]
    public void The_backups_at_the_destination_are_listed_and_an_unreachable_one_is_said_not_fatal()
    {
        var store = new MemoryBackupStore();
        var when = new DateTimeOffset(2026, 12, 5, 2, 0, 0, TimeSpan.Zero);
        store.Files["web1/20261205T020000Z/fs_root.tar.zst.001"] = (new byte[3 << 20], when);
        store.Files["web1/20261205T020000Z/" + BackupFiles.Manifest] = (new BackupManifest { Created = when, Host = "web1" }.ToJson(), when);
        store.Files["web1/20261206T020000Z/fs_root.tar.zst.001"] = (new byte[1000], when);
        store.Files["other/20261205T020000Z/" + BackupFiles.Manifest] = (new BackupManifest { Created = when, Host = "other" }.ToJson(), when);
        var output = Path.Combine(_dir, "report.html");
        var data = Run(output, "/srv/backups", _ => store);
        var page = File.ReadAllText(output);
        Assert.Equal(2, data.Backups!.Backups.Count);
        var full = (3 << 20) + store.Files["web1/20261205T020000Z/" + BackupFiles.Manifest].Data.Length;
        Assert.Contains($"<td>web1/20261205T020000Z</td><td>2026-12-05 02:00 UTC</td><td>{Bytes.Format(full)}</td><td>2</td>", page, StringComparison.Ordinal);
        Assert.Contains("complete, full backup", page, StringComparison.Ordinal);
        Assert.Contains("<b>INCOMPLETE", page, StringComparison.Ordinal);
        Assert.DoesNotContain("other/", page, StringComparison.Ordinal);

        data = Run(output, "sftp://backup@vault.example/srv/mkcdrec", _ => throw new MkcdrecException(ExitCode.CommandFailed, "ssh: connect to host vault.example: No route", "Check the network."));
        page = File.ReadAllText(output);
        Assert.Equal("ssh: connect to host vault.example: No route Check the network.", data.Backups!.Unreachable);
        Assert.Contains("<code>sftp://backup@vault.example/srv/mkcdrec</code> could not be read:</b> ssh: connect to host vault.example: No route", page, StringComparison.Ordinal);
        Assert.Contains("<pre>mkcdrec recover --backup sftp://backup@vault.example/srv/mkcdrec/web1/latest --secrets /run/mkcdrec/keys --plan</pre>", page, StringComparison.Ordinal);
        Assert.Contains("<code>ssh/known_hosts</code>", page, StringComparison.Ordinal);
        Assert.Equal([Path.GetFileName(output)], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void The_steps_follow_the_configuration_and_the_layout()
    {
        var layout = Layout();
        var media = new List<(string, long, DateTimeOffset)> { ("MKCDREC_WEB1_20261201.iso", 600L << 20, DateTimeOffset.UnixEpoch), ("MKCDREC_WEB1_20261205.iso", 700L << 20, DateTimeOffset.UnixEpoch.AddDays(1)) };
        var page = RecoverySteps.Render(Data(layout, setup: new RecoverySetup { Encrypted = true, MediaDirectory = "/media/iso", Media = media }));
        Assert.Contains("<code>/media/iso/MKCDREC_WEB1_20261205.iso</code> (700 MiB", page, StringComparison.Ordinal);
        Assert.Contains("the backup travels on the rescue ISO", page, StringComparison.Ordinal);
        Assert.Contains("<code>backup.passphrase</code>", page, StringComparison.Ordinal);
        Assert.Contains($"<code>luks/{layout.Luks[0].Uuid}.passphrase</code>", page, StringComparison.Ordinal);
        Assert.Contains("<pre>mkcdrec recover --backup /run/mkcdrec/medium/backup --secrets /run/mkcdrec/keys</pre>", page, StringComparison.Ordinal);
        Assert.Contains("captured booting with UEFI", page, StringComparison.Ordinal);
        Assert.All(layout.Disks, d => Assert.Contains($"<code>{d.Path}</code> 20 GiB serial {d.Serial}", page, StringComparison.Ordinal));

        var plain = PlanFixtures.Gpt();
        page = RecoverySteps.Render(Data(plain, setup: new RecoverySetup { Destination = "/mnt/usb/backups" }));
        Assert.Contains("None is needed", page, StringComparison.Ordinal);
        Assert.DoesNotContain("--secrets", page, StringComparison.Ordinal);
        Assert.Contains("kept in <code>/mnt/usb/backups</code>", page, StringComparison.Ordinal);
        Assert.Contains("No ISO was found", page, StringComparison.Ordinal);
        Assert.Contains("<pre>mkcdrec recover --backup /run/mkcdrec/backup-disk/PATH/vm/latest --plan</pre>", page, StringComparison.Ordinal);

        page = RecoverySteps.Render(Data(new LayoutDocument { Host = new HostInfo { Hostname = "empty" } }));
        Assert.Contains("The layout holds no disk", page, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_output_path_is_refused_with_what_to_do_before_the_layout_is_read()
    {
        var read = false;
        var missing = Path.Combine(_dir, "no-such-dir", "r.html");
        var e = Assert.Throws<MkcdrecException>(() => new ReportWorkflow(NullLog.Instance).Run(new ReportRequest
        {
            OutputPath = missing, Layout = () => { read = true; return Layout(); }, LayoutSource = "test",
        }));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("-o", e.Hint, StringComparison.Ordinal);
        Assert.False(read);

        e = Assert.Throws<MkcdrecException>(() => ReportWorkflow.CheckOutput(_dir));
        Assert.Contains("is a directory", e.Message, StringComparison.Ordinal);
    }

    private ReportData Run(string output, string dest, Func<DestinationUrl, IBackupStore> open) =>
        new ReportWorkflow(NullLog.Instance).Run(new ReportRequest
        {
            OutputPath = output, Layout = Layout, LayoutSource = "test", Destination = dest, OpenStore = open,
            DrillPath = Path.Combine(_dir, "none.json"), MediaDirectory = Path.Combine(_dir, "media"),
        });

    [GeneratedRegex("<([!a-zA-Z][a-zA-Z0-9]*)")]
    private static partial Regex TagNames();
}
