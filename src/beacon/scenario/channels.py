"""Turn (person, words, time) into an `InboundMessage` shaped like each provider delivers it.

The `raw` payloads are small but faithful: an X API v2 post object, a Messenger or Instagram
webhook entry, a WhatsApp Cloud API change, a Twilio form post, email headers, a web form. Intake
code can be tested against them and the truth can point at real-looking provider ids.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from beacon.messages import Author, Channel, InboundMessage, MediaRef, Place
from beacon.scenario.force import ACCOUNTS
from beacon.scenario.ids import ProviderIds
from beacon.scenario.people import Citizen


def iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class ChannelKit:
    """Builds one message per call; ids and delivery delays come from the scenario's random."""

    def __init__(self, rng: random.Random, ids: ProviderIds) -> None:
        self._rng = rng
        self.ids = ids
        self._twilio_account = ids.twilio_sid("AC")

    def _message(
        self, at: datetime, delay_s: tuple[int, int] = (1, 20), **fields: Any
    ) -> InboundMessage:
        received = at + timedelta(seconds=self._rng.randint(*delay_s))
        return InboundMessage(created_at=at, received_at=received, **fields)

    # --- X -----------------------------------------------------------------------------------

    def x_post(
        self,
        who: Citizen,
        text: str,
        at: datetime,
        *,
        reply_to: InboundMessage | None = None,
        quote_of: InboundMessage | None = None,
        place: Place | None = None,
        language: str = "en",
    ) -> InboundMessage:
        """A public post that mentions or replies to the force."""
        post_id = self.ids.snowflake(at)
        conversation = _conversation_of(reply_to) if reply_to else post_id
        refs = []
        if reply_to:
            refs.append({"type": "replied_to", "id": reply_to.provider_message_id})
        if quote_of:
            refs.append({"type": "quoted", "id": quote_of.provider_message_id})
        return self._message(
            at,
            channel=Channel.X,
            channel_account=ACCOUNTS.x_handle,
            provider_message_id=post_id,
            author=self._x_author(who),
            text=text,
            language=language,
            reply_to=reply_to.provider_message_id if reply_to else None,
            thread_ref=f"conversation:{conversation}",
            shared_of=quote_of.provider_message_id if quote_of else None,
            place=place,
            raw=self._x_raw(who, post_id, text, at, conversation, refs, language),
        )

    def x_retweet(self, who: Citizen, original: InboundMessage, at: datetime) -> InboundMessage:
        post_id = self.ids.snowflake(at)
        handle = original.author.handle or ""
        text = f"RT {handle}: {original.text}"
        refs = [{"type": "retweeted", "id": original.provider_message_id}]
        return self._message(
            at,
            channel=Channel.X,
            channel_account=ACCOUNTS.x_handle,
            provider_message_id=post_id,
            author=self._x_author(who),
            text=text,
            language=original.language,
            thread_ref=f"conversation:{post_id}",
            shared_of=original.provider_message_id,
            raw=self._x_raw(who, post_id, text, at, post_id, refs, original.language or "en"),
        )

    def x_dm(self, who: Citizen, text: str, at: datetime, language: str = "en") -> InboundMessage:
        """A direct message, as the Account Activity webhook delivers it."""
        event_id = self.ids.snowflake(at)
        event = {
            "type": "message_create",
            "id": event_id,
            "created_timestamp": str(_millis(at)),
            "message_create": {
                "target": {"recipient_id": ACCOUNTS.x_user_id},
                "sender_id": who.x_id,
                "message_data": {"text": text, "entities": {"hashtags": [], "urls": []}},
            },
        }
        user = {"id": who.x_id, "name": who.name, "screen_name": who.x_handle.lstrip("@")}
        raw = {
            "for_user_id": ACCOUNTS.x_user_id,
            "direct_message_events": [event],
            "users": {who.x_id: user},
        }
        return self._message(
            at,
            channel=Channel.X,
            channel_account=ACCOUNTS.x_handle,
            provider_message_id=event_id,
            author=self._x_author(who),
            text=text,
            language=language,
            thread_ref=_x_dm_thread(who.x_id, ACCOUNTS.x_user_id),
            raw=raw,
        )

    def force_post(self, text: str, at: datetime) -> InboundMessage:
        """The force's own post: delivered by the account activity feed like any other."""
        post_id = self.ids.snowflake(at)
        author = Author(
            id=ACCOUNTS.x_user_id, handle=ACCOUNTS.x_handle, name="West Burnshire Police"
        )
        raw = {
            "data": {
                "id": post_id,
                "text": text,
                "author_id": ACCOUNTS.x_user_id,
                "created_at": iso(at),
                "conversation_id": post_id,
                "lang": "en",
                "edit_history_tweet_ids": [post_id],
            },
            "includes": {
                "users": [{"id": author.id, "username": "WestBurnPolice", "name": author.name}]
            },
        }
        return self._message(
            at,
            channel=Channel.X,
            channel_account=ACCOUNTS.x_handle,
            provider_message_id=post_id,
            author=author,
            text=text,
            language="en",
            thread_ref=f"conversation:{post_id}",
            raw=raw,
        )

    def _x_author(self, who: Citizen) -> Author:
        return Author(id=who.x_id, handle=who.x_handle, name=who.name)

    def _x_raw(
        self,
        who: Citizen,
        post_id: str,
        text: str,
        at: datetime,
        conversation: str,
        refs: list[dict[str, str]],
        language: str,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": post_id,
            "text": text,
            "author_id": who.x_id,
            "created_at": iso(at),
            "conversation_id": conversation,
            "lang": language,
            "edit_history_tweet_ids": [post_id],
        }
        if refs:
            data["referenced_tweets"] = refs
        user = {"id": who.x_id, "username": who.x_handle.lstrip("@"), "name": who.name}
        return {"data": data, "includes": {"users": [user]}}

    # --- Facebook and Instagram --------------------------------------------------------------

    def facebook_page_post(self, text: str, at: datetime) -> InboundMessage:
        post_id = f"{ACCOUNTS.facebook_page_id}_{self.ids.numeric(16)}"
        author = Author(id=ACCOUNTS.facebook_page_id, name="West Burnshire Police")
        value = {"item": "status", "verb": "add", "post_id": post_id, "message": text}
        return self._facebook_feed(author, post_id, text, at, value, thread_ref=post_id)

    def facebook_comment(
        self, who: Citizen, text: str, at: datetime, *, on_post: str
    ) -> InboundMessage:
        comment_id = f"{on_post.split('_')[-1]}_{self.ids.numeric(16)}"
        value = {
            "item": "comment",
            "verb": "add",
            "comment_id": comment_id,
            "post_id": on_post,
            "parent_id": on_post,
            "message": text,
        }
        author = Author(id=who.facebook_psid, name=who.name)
        return self._facebook_feed(
            author, comment_id, text, at, value, thread_ref=on_post, reply_to=on_post
        )

    def facebook_share(
        self, who: Citizen, original: InboundMessage, at: datetime, text: str = ""
    ) -> InboundMessage:
        share_id = f"{who.facebook_psid}_{self.ids.numeric(16)}"
        value = {
            "item": "share",
            "verb": "add",
            "post_id": share_id,
            "share_id": share_id,
            "link": f"https://www.facebook.com/{original.provider_message_id}",
            "message": text,
        }
        author = Author(id=who.facebook_psid, name=who.name)
        return self._facebook_feed(
            author,
            share_id,
            text,
            at,
            value,
            thread_ref=share_id,
            shared_of=original.provider_message_id,
        )

    def _facebook_feed(
        self,
        author: Author,
        item_id: str,
        text: str,
        at: datetime,
        value: dict[str, Any],
        **links: Any,
    ) -> InboundMessage:
        value = {
            **value,
            "from": {"id": author.id, "name": author.name},
            "created_time": int(at.timestamp()),
        }
        raw = {
            "object": "page",
            "entry": [
                {
                    "id": ACCOUNTS.facebook_page_id,
                    "time": _millis(at),
                    "changes": [{"field": "feed", "value": value}],
                }
            ],
        }
        return self._message(
            at,
            channel=Channel.FACEBOOK,
            channel_account=ACCOUNTS.facebook_page_id,
            provider_message_id=item_id,
            author=author,
            text=text,
            language="en",
            raw=raw,
            **links,
        )

    def messenger(
        self, who: Citizen, text: str, at: datetime, language: str = "en"
    ) -> InboundMessage:
        mid = self.ids.messenger_mid()
        raw = self._messaging_entry(
            "page", ACCOUNTS.facebook_page_id, who.facebook_psid, mid, text, at
        )
        return self._message(
            at,
            channel=Channel.FACEBOOK,
            channel_account=ACCOUNTS.facebook_page_id,
            provider_message_id=mid,
            author=Author(id=who.facebook_psid, name=who.name),
            text=text,
            language=language,
            thread_ref=f"dm:{ACCOUNTS.facebook_page_id}:{who.facebook_psid}",
            raw=raw,
        )

    def instagram_dm(
        self, who: Citizen, text: str, at: datetime, language: str = "en"
    ) -> InboundMessage:
        mid = self.ids.instagram_mid()
        raw = self._messaging_entry(
            "instagram", ACCOUNTS.instagram_account_id, who.instagram_id, mid, text, at
        )
        author = Author(id=who.instagram_id, handle=who.instagram_handle, name=who.name)
        return self._message(
            at,
            channel=Channel.INSTAGRAM,
            channel_account=ACCOUNTS.instagram_account_id,
            provider_message_id=mid,
            author=author,
            text=text,
            language=language,
            thread_ref=f"dm:{ACCOUNTS.instagram_account_id}:{who.instagram_id}",
            raw=raw,
        )

    def _messaging_entry(
        self, kind: str, account: str, sender: str, mid: str, text: str, at: datetime
    ) -> dict[str, Any]:
        event = {
            "sender": {"id": sender},
            "recipient": {"id": account},
            "timestamp": _millis(at),
            "message": {"mid": mid, "text": text},
        }
        return {
            "object": kind,
            "entry": [{"id": account, "time": _millis(at), "messaging": [event]}],
        }

    # --- WhatsApp and SMS --------------------------------------------------------------------

    def whatsapp(
        self, who: Citizen, text: str, at: datetime, language: str = "en"
    ) -> InboundMessage:
        phone = _phone_of(who)
        digits = phone.lstrip("+")
        wamid = self.ids.wamid(digits)
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": ACCOUNTS.whatsapp_number.lstrip("+"),
                "phone_number_id": ACCOUNTS.whatsapp_phone_number_id,
            },
            "contacts": [{"profile": {"name": who.first}, "wa_id": digits}],
            "messages": [
                {
                    "from": digits,
                    "id": wamid,
                    "timestamp": str(int(at.timestamp())),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        }
        raw = {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}
            ],
        }
        return self._message(
            at,
            channel=Channel.WHATSAPP,
            channel_account=ACCOUNTS.whatsapp_phone_number_id,
            provider_message_id=wamid,
            author=Author(id=phone, handle=phone, name=who.first),
            text=text,
            language=language,
            thread_ref=f"wa:{ACCOUNTS.whatsapp_phone_number_id}:{phone}",
            raw=raw,
        )

    def sms(self, who: Citizen, text: str, at: datetime, language: str = "en") -> InboundMessage:
        phone = _phone_of(who)
        sid = self.ids.twilio_sid()
        raw = {
            "ToCountry": "GB",
            "ToState": "",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": text,
            "FromCountry": "GB",
            "To": ACCOUNTS.sms_number,
            "ToZip": "",
            "NumSegments": str(1 + len(text) // 153),
            "MessageSid": sid,
            "AccountSid": self._twilio_account,
            "From": phone,
            "ApiVersion": "2010-04-01",
        }
        return self._message(
            at,
            channel=Channel.SMS,
            channel_account=ACCOUNTS.sms_number,
            provider_message_id=sid,
            author=Author(id=phone, handle=phone),
            text=text,
            language=language,
            thread_ref=f"sms:{ACCOUNTS.sms_number}:{phone}",
            raw=raw,
        )

    # --- Email and web form ------------------------------------------------------------------

    def email(
        self,
        who: Citizen,
        subject: str,
        body: str,
        at: datetime,
        *,
        attachments: tuple[str, ...] = (),
        language: str = "en",
    ) -> InboundMessage:
        """An email as an inbound-mail service posts it: headers, plain text, attachment list."""
        domain = who.email.split("@", 1)[1]
        message_id = self.ids.email_message_id("mail." + domain)
        headers = {
            "Message-ID": message_id,
            "From": f"{who.name} <{who.email}>",
            "To": ACCOUNTS.email,
            "Subject": subject,
            "Date": at.strftime("%a, %d %b %Y %H:%M:%S +0000"),
        }
        files = [
            {
                "filename": name,
                "content_type": "image/jpeg",
                "size": self._rng.randint(80, 4000) * 1024,
            }
            for name in attachments
        ]
        return self._message(
            at,
            delay_s=(20, 180),
            channel=Channel.EMAIL,
            channel_account=ACCOUNTS.email,
            provider_message_id=message_id,
            author=Author(id=who.email, handle=who.email, name=who.name),
            text=f"{subject}\n\n{body}",
            language=language,
            media=[
                MediaRef(kind="image", name=name, mime_type="image/jpeg") for name in attachments
            ],
            thread_ref=message_id,
            raw={"headers": headers, "text": body, "attachments": files},
        )

    def webform(
        self,
        who: Citizen,
        form: str,
        fields: dict[str, str],
        at: datetime,
        *,
        place: Place | None = None,
        language: str = "en",
    ) -> InboundMessage:
        submission = self.ids.uuid4()
        contact = who.phone or who.email
        raw = {
            "form": form,
            "submission_id": submission,
            "submitted_at": iso(at),
            "fields": {"name": who.name, "contact": contact, **fields},
        }
        return self._message(
            at,
            channel=Channel.WEBFORM,
            channel_account=ACCOUNTS.webform,
            provider_message_id=submission,
            author=Author(id=contact, handle=contact, name=who.name),
            text=fields.get("description", ""),
            language=language,
            place=place,
            raw=raw,
        )


def _conversation_of(post: InboundMessage) -> str:
    return (post.thread_ref or post.provider_message_id).removeprefix("conversation:")


def _x_dm_thread(first: str, second: str) -> str:
    """X's one-to-one conversation id: the two user ids, smaller first."""
    low, high = sorted((first, second), key=lambda value: (len(value), value))
    return f"dm:{low}-{high}"


def _phone_of(who: Citizen) -> str:
    if who.phone is None:
        raise ValueError(f"{who.key} has no phone number; create them with phone=True")
    return who.phone
