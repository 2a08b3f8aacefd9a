import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { AdminPage } from "./admin/AdminPage";
import { DossierPage } from "./dossier/DossierPage";
import { FeedbackDetailPage } from "./feedback/FeedbackDetailPage";
import { FeedbackFormPage } from "./feedback/FeedbackFormPage";
import { FeedbackTrackingPage } from "./feedback/FeedbackTrackingPage";
import { FeedbackWorklistPage } from "./feedback/FeedbackWorklistPage";
import { ControlSheetPage } from "./forms/ControlSheetPage";
import { NoticeFormPage } from "./forms/NoticeFormPage";
import { ReceiptSlipPage } from "./forms/ReceiptSlipPage";
import { InspectorPage } from "./inspector/InspectorPage";
import { RequireSession } from "./layout";
import { PublicLookupPage } from "./public-lookup/PublicLookupPage";
import { ReceiptPage } from "./receipt/ReceiptPage";
import { currentSession } from "./session";
import { OidcCallbackPage } from "./sign-in/OidcCallbackPage";
import { SignInPage } from "./sign-in/SignInPage";
import "./styles.css";
import { WorklistPage } from "./worklist/WorklistPage";

/** Where a signed-in person starts: officers at their worklist, inspectors at the history search. */
function Home() {
  const session = currentSession();
  if (!session) return <Navigate to="/dang-nhap" replace />;
  if (session.role === "officer") return <WorklistPage session={session} />;
  if (session.role === "auditor") return <Navigate to="/thanh-tra" replace />;
  if (session.role === "analyst") {
    globalThis.location.assign("/dashboard");
    return null;
  }
  if (session.role === "admin") return <Navigate to="/quan-tri" replace />;
  return <Navigate to="/tra-cuu" replace />;
}

function App() {
  return (
    <Routes>
      <Route path="/" element={<Home />} />
      <Route path="/dang-nhap" element={<SignInPage />} />
      <Route path="/dang-nhap/oidc" element={<OidcCallbackPage />} />
      <Route
        path="/tiep-nhan"
        element={<RequireSession roles={["officer"]}>{(s) => <ReceiptPage session={s} />}</RequireSession>}
      />
      <Route
        path="/ho-so/:dossierId"
        element={
          <RequireSession roles={["officer", "auditor"]}>{(s) => <DossierPage session={s} />}</RequireSession>
        }
      />
      <Route
        path="/ho-so/:dossierId/phieu-tiep-nhan"
        element={<RequireSession roles={["officer"]}>{() => <ReceiptSlipPage />}</RequireSession>}
      />
      <Route
        path="/thanh-tra"
        element={<RequireSession roles={["auditor", "officer"]}>{() => <InspectorPage />}</RequireSession>}
      />
      <Route
        path="/thanh-tra/:dossierId"
        element={<RequireSession roles={["auditor", "officer"]}>{() => <InspectorPage />}</RequireSession>}
      />
      <Route
        path="/ho-so/:dossierId/phieu-kiem-soat"
        element={<RequireSession roles={["officer", "auditor"]}>{() => <ControlSheetPage />}</RequireSession>}
      />
      <Route
        path="/quan-tri"
        element={<RequireSession roles={["admin"]}>{() => <AdminPage />}</RequireSession>}
      />
      <Route
        path="/ho-so/:dossierId/mau/:form"
        element={<RequireSession roles={["officer", "auditor"]}>{() => <NoticeFormPage />}</RequireSession>}
      />
      <Route path="/tra-cuu" element={<PublicLookupPage />} />
      <Route path="/tra-cuu/:code" element={<PublicLookupPage />} />
      <Route path="/phan-anh" element={<FeedbackFormPage />} />
      <Route path="/phan-anh/:code" element={<FeedbackTrackingPage />} />
      <Route
        path="/phan-anh-kien-nghi"
        element={
          <RequireSession roles={["officer", "admin"]}>{() => <FeedbackWorklistPage />}</RequireSession>
        }
      />
      <Route
        path="/phan-anh-kien-nghi/:feedbackId"
        element={
          <RequireSession roles={["officer", "admin"]}>
            {(s) => <FeedbackDetailPage session={s} />}
          </RequireSession>
        }
      />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </StrictMode>,
  );
