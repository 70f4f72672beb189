using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.S3;

namespace Mkcdrec.Core.Tests.Destinations;

public sealed class AwsConfigFilesTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("mkcdrec-aws-").FullName;

    public AwsConfigFilesTests()
    {
        Directory.CreateDirectory(Path.Combine(_home, ".aws"));
        File.WriteAllText(Path.Combine(_home, ".aws", "credentials"), """
            # keys of the backup user
            [default]
            aws_access_key_id = AKDEFAULT
            aws_secret_access_key = sdefault

            [  backup ]
            aws_access_key_id=AKBACKUP
            aws_secret_access_key=sbackup
            aws_session_token = tbackup
            """);
        File.WriteAllText(Path.Combine(_home, ".aws", "config"), """
            [default]
            region = eu-central-1
            [profile backup]
            region = ca-central-1
            [profile configonly]
            aws_access_key_id = AKCONF
            aws_secret_access_key = sconf
            """);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public void The_environment_first_then_the_default_profile_with_its_region()
    {
        var env = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKENV", ["AWS_SECRET_ACCESS_KEY"] = "senv", ["AWS_REGION"] = "us-west-2" };
        var s = AwsConfigFiles.Resolve(env.GetValueOrDefault, _home);
        Assert.Equal(new AwsCredentials("AKENV", "senv"), s.Credentials);
        Assert.Equal("us-west-2", s.Region);
        Assert.Contains("environment", s.CredentialsSource, StringComparison.Ordinal);

        s = AwsConfigFiles.Resolve(_ => null, _home);
        Assert.Equal(new AwsCredentials("AKDEFAULT", "sdefault"), s.Credentials);
        Assert.Equal("eu-central-1", s.Region);
    }

    [Fact]
    public void A_named_profile_from_aws_profile_or_the_option_wins_over_the_environment_keys()
    {
        var env = new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKENV", ["AWS_SECRET_ACCESS_KEY"] = "senv" };
        var s = AwsConfigFiles.Resolve(env.GetValueOrDefault, _home, profile: "backup");
        Assert.Equal(new AwsCredentials("AKBACKUP", "sbackup", "tbackup"), s.Credentials);
        Assert.Equal("ca-central-1", s.Region);
        Assert.DoesNotContain("sbackup", s.CredentialsSource, StringComparison.Ordinal);

        s = AwsConfigFiles.Resolve(new Dictionary<string, string> { ["AWS_PROFILE"] = "configonly" }.GetValueOrDefault, _home);
        Assert.Equal(new AwsCredentials("AKCONF", "sconf"), s.Credentials);
        Assert.Equal("us-east-1", s.Region);
    }

    [Fact]
    public void No_credentials_anywhere_says_where_it_looked_and_what_to_set()
    {
        var e = Assert.Throws<MkcdrecException>(() => AwsConfigFiles.Resolve(_ => null, _home, profile: "nosuch"));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains("profile 'nosuch'", e.Message, StringComparison.Ordinal);
        Assert.Contains("AWS_ACCESS_KEY_ID", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Locations_address_aws_by_region_and_compatible_stores_by_path()
    {
        var aws = S3Location.From(DestinationUrl.Parse("s3://fleet/web1"), "eu-west-3");
        Assert.Equal("https://fleet.s3.eu-west-3.amazonaws.com/web1/vol%2B1", aws.Address(aws.Key("vol+1"), []).Uri.AbsoluteUri);

        var dotted = S3Location.From(DestinationUrl.Parse("s3://fleet.backups/web1"), "eu-west-3");
        Assert.Equal("https://s3.eu-west-3.amazonaws.com/fleet.backups/web1/a", dotted.Address(dotted.Key("a"), []).Uri.AbsoluteUri);

        var minio = S3Location.From(DestinationUrl.Parse("s3://fleet?endpoint=http://127.0.0.1:9000"), "us-east-1");
        var (uri, path) = minio.Address(null, [new("list-type", "2"), new("prefix", "a/b")]);
        Assert.Equal("http://127.0.0.1:9000/fleet/?list-type=2&prefix=a%2Fb", uri.AbsoluteUri);
        Assert.Equal("/fleet/", path);

        var virt = S3Location.From(DestinationUrl.Parse("s3://fleet/x?endpoint=https://rgw.example:8443&style=virtual"), "us-east-1");
        Assert.Equal("fleet.rgw.example:8443", virt.Address("x/y", []).Uri.Authority);
    }
}
