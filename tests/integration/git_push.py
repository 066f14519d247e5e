"""A git push over smart HTTP from a fresh repository: source code leaving
(the taxonomy's source_code, important data)."""
import os
import subprocess


def git_push(work, url, name="ecu.c", text="int main(void) { return 0; }\n" * 50):
    """Commit NAME holding TEXT in WORK/src and push it to URL; the git run's result."""
    repo = os.path.join(work, "src")
    os.makedirs(repo)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t", HOME=work)

    def run(*a):
        return subprocess.run(a, cwd=repo, env=env, capture_output=True, text=True)
    run("git", "init", "-q", "-b", "main")
    with open(os.path.join(repo, name), "w") as f:
        f.write(text)
    run("git", "add", ".")
    run("git", "commit", "-qm", "change")
    return run("git", "push", "-q", url, "main")
