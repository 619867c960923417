"""The public restitution of a consultation and the story of each idea."""


def init_app(app):
    from app.restitution.timeline import idea_timeline
    from app.restitution.views import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["idea_timeline"] = idea_timeline
    app.jinja_env.globals["restitution_state"] = _state


def _state(consultation):
    from app.restitution.queries import get_restitution

    return get_restitution(consultation)
