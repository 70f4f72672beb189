using Mkcdrec.Core.Destinations;

namespace Mkcdrec.Core.Tests.Destinations;

public sealed class DestinationUrlTests
{
    [Theory]
    [InlineData("/mnt/usb/backups/", DestinationKind.Directory, null, null, null, "/mnt/usb/backups")]
    [InlineData("file:///srv/backups", DestinationKind.Directory, null, null, null, "/srv/backups")]
    [InlineData("sftp://backup@vault.example.org:2222/srv/mkcdrec/", DestinationKind.Sftp, "backup", "vault.example.org", 2222, "/srv/mkcdrec")]
    [InlineData("sftp://vault/home/b%20u", DestinationKind.Sftp, null, "vault", null, "/home/b u")]
    [InlineData("sftp://[::1]:22/x", DestinationKind.Sftp, null, "[::1]", 22, "/x")]
    [InlineData("nfs://filer/export/backups", DestinationKind.Nfs, null, "filer", null, "/export/backups")]
    [InlineData("s3://fleet-backups/hosts/web1", DestinationKind.S3, null, "fleet-backups", null, "/hosts/web1")]
    [InlineData("s3://fleet-backups", DestinationKind.S3, null, "fleet-backups", null, "/")]
    public void Parses_each_kind(string text, DestinationKind kind, string? user, string? host, int? port, string path)
    {
        var d = DestinationUrl.Parse(text);
        Assert.Equal(kind, d.Kind);
        Assert.Equal(user, d.User);
        Assert.Equal(host, d.Host);
        Assert.Equal(port, d.Port);
        Assert.Equal(path, d.Path);
        Assert.True(d.Writable);
    }

    [Fact]
    public void S3_options_and_http_for_reading_only()
    {
        var d = DestinationUrl.Parse("s3://b-1.example/p?endpoint=http%3A%2F%2F127.0.0.1%3A9000&style=path&region=eu-west-3&profile=backup");
        Assert.Equal("b-1.example", d.Bucket);
        Assert.Equal("http://127.0.0.1:9000", d.Option("endpoint"));
        Assert.Equal("path", d.Option("style"));
        Assert.Equal("eu-west-3", d.Option("region"));
        Assert.Equal("backup", d.Option("profile"));
        Assert.Equal("3", DestinationUrl.Parse("nfs://filer/export?vers=3").Option("vers"));

        var h = DestinationUrl.Parse("https://depot.example/backups/web1/");
        Assert.Equal(DestinationKind.Http, h.Kind);
        Assert.False(h.Writable);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("backups", "neither an absolute directory nor a URL")]
    [InlineData("ftp://host/x", "scheme 'ftp'")]
    [InlineData("sftp://host", "names no directory")]
    [InlineData("sftp://user:secret@host/x", "visible to every user in ps")]
    [InlineData("sftp://@host/x", "user name before '@' is empty")]
    [InlineData("sftp://host:99999/x", "port '99999'")]
    [InlineData("nfs://filer", "names no exported directory")]
    [InlineData("nfs://filer/x?vers=5", "vers must be")]
    [InlineData("s3://", "names no bucket")]
    [InlineData("s3://Bad_Bucket/x", "is not a bucket name")]
    [InlineData("s3://bucket:9000/x", "?endpoint=")]
    [InlineData("s3://key@bucket/x", "credentials are never part of the URL")]
    [InlineData("s3://bucket/x?style=dns", "style must be 'path' or 'virtual'")]
    [InlineData("s3://bucket/x?endpoint=minio:9000", "is not an http:// or https:// URL")]
    [InlineData("s3://bucket/x?secret=abc", "'secret' is not an option of s3://")]
    [InlineData("file://otherhost/x", "a directory on this machine")]
    public void Bad_destinations_get_a_clear_error_with_the_forms_that_work(string text, string why)
    {
        var e = Assert.Throws<MkcdrecException>(() => DestinationUrl.Parse(text));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.Contains("s3://bucket/prefix", e.Hint, StringComparison.Ordinal);
    }
}
