using System.Text;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Report;
using Mkcdrec.Core.Tests.Planning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Report;

/// <summary>
/// `mkcdrec report` as a browser shows and prints it: the built binary writes the page for a RAID1 → LUKS → LVM → ext4
/// layout (a label holding markup), headless Chromium screenshots it, dumps its DOM and prints it to PDF. The
/// screenshot must hold each diagram layer's own colour; the DOM must show the values as text and run no script; the
/// PDF must have a page per section. No root, no QEMU.
/// </summary>
public sealed partial class ReportRenderTests(ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "chromium-headless-shell";
    private const string Evil = "<script>document.title='pwned'</script>";
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-report-render-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LayoutDocument Layout()
    {
        var layout = PlanFixtures.RaidLuksLvmThin();
        layout.Filesystems.Single(f => f.Type == "ext4").Label = Evil;
        return layout;
    }

    /// <summary>Runs the binary's report for <see cref="Layout"/> with a passed drill; returns the page's path.</summary>
    private string Report()
    {
        var layoutFile = Path.Combine(_dir, "layout.json");
        File.WriteAllText(layoutFile, LayoutSerializer.Serialize(Layout()));
        var drill = Path.Combine(_dir, "last-drill.json");
        LastDrill.Save(new DrillReport
        {
            Passed = true, FinishedAt = DateTimeOffset.UtcNow, Medium = "web1.iso", Firmware = "uefi",
            Phases = [new() { Name = "read the rescue medium", Seconds = 20 }, new() { Name = "recover in the rescue system", Seconds = 300 }, new() { Name = "boot the recovered system", Seconds = 80 }],
        }, drill);
        var config = Path.Combine(_dir, "mkcdrec.conf");
        File.WriteAllText(config, "");
        var page = Path.Combine(_dir, "report.html");
        var r = HostProcess.Run(RepoPaths.MkcdrecBinary,
            ["--config", config, "--log", Path.Combine(_dir, "report.log"), "report", "--layout", layoutFile, "-o", page, "--drill", drill, "--media", Path.Combine(_dir, "media")]);
        Assert.True(r.ExitCode == 0, $"mkcdrec report exited {r.ExitCode}:\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("Report written to " + page, r.Stdout, StringComparison.Ordinal);
        return page;
    }

    private static HostResult Chrome(params string[] args) =>
        HostProcess.Run(Chromium, ["--no-sandbox", "--headless", "--disable-gpu", .. args], TimeSpan.FromMinutes(2));

    [Fact]
    public void The_screenshot_shows_every_layer_of_the_stack_in_its_colour()
    {
        var page = Report();
        var png = Path.Combine(_dir, "report.png");
        var r = Chrome($"--screenshot={png}", "--window-size=1280,2400", "file://" + page);
        Assert.True(File.Exists(png), $"no screenshot: {r.ExitCode}\n{HostProcess.Tail(r.Stderr)}");
        var bytes = File.ReadAllBytes(png);
        var image = PngImage.Read(bytes);
        output.WriteLine($"screenshot {image.Width}x{image.Height}, {bytes.Length} bytes");
        Assert.Equal((1280, 2400), (image.Width, image.Height));

        var layers = new[] { StackLayer.Disk, StackLayer.Partition, StackLayer.Raid, StackLayer.Luks, StackLayer.LvmPv, StackLayer.LvmVg, StackLayer.LvmLv, StackLayer.Filesystem, StackLayer.Mount };
        foreach (var layer in layers)
        {
            var n = image.Count(StackDiagram.Fill(layer));
            output.WriteLine($"{layer} {StackDiagram.Fill(layer)}: {n} pixels");
            // A box is 300×84 in a viewBox about 1.4k wide, scaled to the page: thousands of pixels; the legend swatch alone is ~200.
            Assert.True(n > 2000, $"{layer} ({StackDiagram.Fill(layer)}): only {n} pixels in the screenshot");
        }

        // The layout has no other device: its colour must not be drawn (the counts above come from the boxes, not from anywhere).
        Assert.True(image.Count(StackDiagram.Fill(StackLayer.Other)) < 50);
    }

    [Fact]
    public void The_page_renders_the_values_as_text_and_runs_no_script()
    {
        var page = Report();
        var r = Chrome("--dump-dom", "file://" + page);
        Assert.True(r.ExitCode == 0, HostProcess.Tail(r.Stderr));
        var dom = r.Stdout;
        Assert.Contains("<title>mkcdrec recovery binder: web1</title>", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", dom, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("label &lt;script&gt;document.title='pwned'&lt;/script&gt;", dom, StringComparison.Ordinal);
        foreach (var text in new[] { "1. Storage stack", "2. Recovery plan onto the same disks", "3. Backups", "4. Last drill", "5. How to recover this machine", "PASSED", "/dev/md/pv", "UUID 0a1b2c3d-0000-4000-8000-000000000001", "mdadm --create" })
        {
            Assert.Contains(text, dom, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_page_prints_a_page_per_section()
    {
        var page = Report();
        var pdf = Path.Combine(_dir, "report.pdf");
        var r = Chrome("--no-pdf-header-footer", $"--print-to-pdf={pdf}", "file://" + page);
        Assert.True(File.Exists(pdf), $"no PDF: {r.ExitCode}\n{HostProcess.Tail(r.Stderr)}");
        var bytes = File.ReadAllBytes(pdf);
        Assert.StartsWith("%PDF-", Encoding.ASCII.GetString(bytes, 0, 5), StringComparison.Ordinal);
        var pages = PageObject().Count(Encoding.Latin1.GetString(bytes));
        output.WriteLine($"PDF {bytes.Length} bytes, {pages} page(s)");
        // Five sections, each starting a new page (the plan alone may take two).
        Assert.InRange(pages, 5, 12);
        if (Tool.Exists("pdftotext"))
        {
            var text = Tool.Run("pdftotext", [pdf, "-"]).StdOut;
            Assert.Contains("Storage stack", text, StringComparison.Ordinal);
            Assert.Contains("How to recover this machine", text, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"/Type\s*/Page(?![s\w])")]
    private static partial Regex PageObject();
}
