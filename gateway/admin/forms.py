"""Flask-WTF forms of the dashboard: every form carries a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from gateway.core.limits import text_problem


class Storable:
    """No control characters (NUL and the like): what the database can keep and what logs,
    CSV and screens show safely. ``multiline`` allows tab and line breaks."""

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, _form: FlaskForm, field: Field) -> None:
        if field.data and text_problem(field.data, len(field.data), multiline=self.multiline):
            raise ValidationError("Contains a control character. / 制御文字が含まれています。")


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=120), Storable()])
    password = PasswordField(validators=[DataRequired(), Length(max=1024)])


class ButtonForm(FlaskForm):
    """A form with nothing but its CSRF token (logout, revoke)."""


class OptOutForm(FlaskForm):
    topics = HiddenField()  # filled from the checkboxes (request.form.getlist("topic"))
    reason = StringField(validators=[Length(max=200), Storable()])
    confirm = BooleanField(validators=[DataRequired()])
    nonce = HiddenField(validators=[DataRequired(), Length(max=64)])


class WordingForm(FlaskForm):
    kind = SelectField(validators=[DataRequired()])
    language = SelectField(validators=[DataRequired()])
    text = TextAreaField(validators=[DataRequired(), Length(min=10, max=2000),
                                     Storable(multiline=True)])


class ApiKeyForm(FlaskForm):
    label = StringField(validators=[Length(max=100), Storable()])


class PlacementForm(FlaskForm):
    """A new placement; the placements service checks the label and messages once more."""

    kind = SelectField(validators=[DataRequired()])
    label = StringField(validators=[DataRequired(), Length(max=200), Storable()])
    topic = SelectField(validators=[Optional()])  # "" = no preset
    message_ja = TextAreaField(validators=[Optional(), Length(max=500), Storable(multiline=True)])
    message_en = TextAreaField(validators=[Optional(), Length(max=500), Storable(multiline=True)])


class RetireForm(FlaskForm):
    confirm = BooleanField(validators=[DataRequired()])


class ImportForm(FlaskForm):
    """A CSV of existing opt-ins; the importer checks its encoding and header."""

    file = FileField()

    def __init__(self, *args: object, max_bytes: int = 64 << 20, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.file.validators = [FileRequired(), FileSize(max_size=max_bytes)]


class SettingsForm(FlaskForm):
    """The business settings page; ``gateway.core.business_settings`` checks the values."""

    name = StringField(validators=[DataRequired(), Length(max=200), Storable()])
    languages = SelectField(validators=[DataRequired()])
    frame_ancestors = TextAreaField(validators=[Length(max=4000), Storable(multiline=True)])
    double_opt_in = BooleanField()
    policy = SelectField(validators=[DataRequired()])
    opt_out_scope = SelectField(validators=[DataRequired()])
    accent = StringField(validators=[Optional(), Length(max=7), Storable()])
    default_accent = BooleanField()
