"""The table registry: every feature's tables, imported in one place so that Alembic
(``migrations/env.py``), the tests and older imports see the whole schema.

Each table lives with its feature (``workflow/<feature>/models.py``); the audit chain's
``Event`` lives with the chain in ``workflow/core/audit.py``. A new feature's models module
is added here, or Alembic does not see its tables.
"""
from workflow.assessment.models import Finding
from workflow.comments.models import Comment, DiscussionSummary
from workflow.communities.models import Community, Dusun
from workflow.core.audit import Event
from workflow.drafting.models import CoauthorInvitation, Revision
from workflow.meetings.models import Addendum, AgendaItem, Guest, Invitee, Meeting, RoomCount
from workflow.notifications.models import Notification, NotificationMute
from workflow.organizing.models import Supporter
from workflow.people.models import ActivationCode, LoginAttempt, LoginSession, Membership, User
from workflow.programs.models import Program, ProgramAuthor
from workflow.rounds.models import Round
from workflow.voting.models import Ballot, Vote

__all__ = ["ActivationCode", "Ballot", "Comment", "Community", "Dusun", "Event", "Finding",
           "LoginAttempt", "LoginSession", "Membership", "Notification", "NotificationMute",
           "Program", "ProgramAuthor", "Round", "Supporter", "User", "Vote",
           "CoauthorInvitation", "DiscussionSummary", "Revision",
           "Addendum", "AgendaItem", "Guest", "Invitee", "Meeting", "RoomCount"]
