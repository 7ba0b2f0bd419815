namespace Embedded.Orchestration.Docker.Tests.Support;

/// <summary>
/// A test against the real engine. Skipped when none answers locally; under CI=true it runs anyway,
/// so that its fixture fails it: CI must not pass by skipping every Docker test.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (!DockerEngine.IsCi && !DockerEngine.Answers)
            Skip = $"{DockerEngine.WhyNot}. Run scripts/setup.sh to install and start one (with CI=true this test fails instead of skipping).";
    }
}
