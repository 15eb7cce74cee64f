"""Templates are compiled once per process whichever app renders them, and again when their source changes."""
import jinja2

from web.render import compiled_templates


class CountingEnvironment(jinja2.Environment):
    compiled = 0

    def compile(self, *args, **kwargs):
        type(self).compiled += 1
        return super().compile(*args, **kwargs)


def test_a_template_is_compiled_once_for_every_app_and_again_when_it_changes(tmp_path):
    cache = compiled_templates({})
    (tmp_path / "page.html").write_text("你好，{{ name }}", encoding="utf-8")

    def render(name: str) -> str:
        env = CountingEnvironment(loader=jinja2.FileSystemLoader(tmp_path), bytecode_cache=cache)
        return env.get_template("page.html").render(name=name)

    assert render("工友") == "你好，工友"
    assert render("班长") == "你好，班长"  # a second app: the code compiled by the first
    assert CountingEnvironment.compiled == 1
    (tmp_path / "page.html").write_text("您好，{{ name }}", encoding="utf-8")
    assert render("工友") == "您好，工友"  # a changed source is compiled anew, not served from before
    assert CountingEnvironment.compiled == 2
